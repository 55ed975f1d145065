import Classifier

/// Finds which identity groups a document mentions: the groups of the classifier's bias audit
/// (`BiasAudit.groups`), matched as whole normalized tokens (`Native American` as two consecutive
/// tokens). Common words among the names (`white`, `black`, `man`, `straight`, `American`) match in
/// any sense, so corpus figures for those groups are upper bounds; the report says so.
///
/// ```swift
/// let m = IdentityMentions()
/// m.groups(in: TextNormalizer.normalize("My Muslim neighbour"))   // [index of "Muslim"]
/// m.names[i]                                                       // ("religion", "Muslim")
/// ```
public struct IdentityMentions: Sendable {
    /// (axis, group) for every group, in `BiasAudit.groups` order.
    public let names: [(axis: String, group: String)]
    /// First token hash → (group index, hashes of the following tokens).
    let byFirstToken: [UInt64: [(Int, [UInt64])]]
    /// Bit (h & 1023) set for every first-token hash: most tokens are rejected without a dictionary lookup.
    let filter: [UInt64]

    public init() {
        var names: [(String, String)] = []
        var index: [UInt64: [(Int, [UInt64])]] = [:]
        for (axis, groups) in BiasAudit.groups {
            for g in groups {
                let norm = TextNormalizer.normalize(g)
                let hashes = norm.tokens.map { Self.hash(norm.scalars[$0]) }
                guard let first = hashes.first else { continue }
                index[first, default: []].append((names.count, Array(hashes.dropFirst())))
                names.append((axis, g))
            }
        }
        self.names = names
        self.byFirstToken = index
        var bits = [UInt64](repeating: 0, count: 16)
        for h in index.keys { bits[Int(h & 1023) >> 6] |= 1 << (h & 63) }
        self.filter = bits
    }

    static func hash(_ scalars: ArraySlice<UInt32>) -> UInt64 {
        var h = StableHash.offset
        for v in scalars { h = StableHash.step(h, v) }
        return h
    }

    /// Sorted, distinct indices (into `names`) of the groups the text mentions.
    public func groups(in text: NormalizedText) -> [Int] {
        let hashes = text.tokens.map { Self.hash(text.scalars[$0]) }
        var found = Set<Int>()
        for (i, h) in hashes.enumerated() {
            guard filter[Int(h & 1023) >> 6] & (1 << (h & 63)) != 0 else { continue }
            guard let candidates = byFirstToken[h] else { continue }
            for (g, rest) in candidates where i + rest.count < hashes.count || rest.isEmpty {
                if rest.isEmpty || Array(hashes[(i + 1)...(i + rest.count)]) == rest { found.insert(g) }
            }
        }
        return found.sorted()
    }
}
