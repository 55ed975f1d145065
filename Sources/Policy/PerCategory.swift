import WardenCore

/// A value per moderation category, encoded as a JSON/YAML object keyed by the public category
/// names (`"sexual/minors"`). Missing categories are simply absent.
///
/// ```swift
/// var t = PerCategory<Double>()
/// t[.hate] = 0.7
/// t[.hate]            // 0.7
/// ```
public struct PerCategory<Value> {
    /// One slot per category, in taxonomy order (`ModerationCategory.index`): lookups on the hot
    /// path are array reads.
    private var slots: [Value?]

    public init(_ values: [ModerationCategory: Value] = [:]) {
        slots = ModerationCategory.allCases.map { values[$0] }
    }

    /// The present entries as a dictionary.
    public var values: [ModerationCategory: Value] {
        Dictionary(uniqueKeysWithValues: sorted.map { ($0.category, $0.value) })
    }

    public subscript(category: ModerationCategory) -> Value? {
        get { slots[Self.slot(category)] }
        set { slots[Self.slot(category)] = newValue }
    }

    /// Present entries in the taxonomy's order.
    public var sorted: [(category: ModerationCategory, value: Value)] {
        zip(ModerationCategory.allCases, slots).compactMap { c, v in v.map { (c, $0) } }
    }

    public var isEmpty: Bool { slots.allSatisfy { $0 == nil } }

    @inline(__always)
    static func slot(_ c: ModerationCategory) -> Int {
        switch c {
        case .sexual: 0
        case .sexualMinors: 1
        case .hate: 2
        case .hateThreatening: 3
        case .harassment: 4
        case .selfHarm: 5
        case .violence: 6
        case .violenceGraphic: 7
        }
    }
}

extension PerCategory: Sendable where Value: Sendable {}
extension PerCategory: Equatable where Value: Equatable {}
extension PerCategory: Hashable where Value: Hashable {}

extension PerCategory: Codable where Value: Codable {
    public init(from decoder: any Decoder) throws {
        let raw = try [String: Value](from: decoder)
        var values: [ModerationCategory: Value] = [:]
        for (name, value) in raw {
            guard let c = ModerationCategory(rawValue: name) else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath,
                    debugDescription: "unknown category '\(name)'"))
            }
            values[c] = value
        }
        self.init(values)
    }

    public func encode(to encoder: any Encoder) throws {
        var raw: [String: Value] = [:]
        for (c, v) in sorted { raw[c.rawValue] = v }
        try raw.encode(to: encoder)
    }
}
