import Foundation
import WardenCore
import Yams

/// The gateway's configuration, read from one YAML file (`warden.yaml`). Every key is documented
/// in `docs/configuration.md`; unknown keys and invalid values are startup errors that name the key.
///
/// ```swift
/// let config = try WardenConfig.load(path: "warden.yaml")
/// config.upstreams.first?.models.first?.name   // "smollm2"
/// ```
public struct WardenConfig: Decodable, Sendable {
    public var server: ServerConfig
    public var store: StoreConfig
    public var security: SecurityConfig
    public var recording: RecordingConfig
    public var moderation: ModerationConfig
    public var upstreams: [UpstreamConfig]
    /// `nil`: nothing is limited.
    public var limits: LimitsConfig?
    /// `nil`: nothing is screened.
    public var policy: PolicyConfig?

    enum CodingKeys: String, CodingKey { case server, store, security, recording, moderation, upstreams, limits, policy }

    public init(server: ServerConfig = .init(), store: StoreConfig = .init(), security: SecurityConfig = .init(),
                recording: RecordingConfig = .init(), moderation: ModerationConfig = .init(), upstreams: [UpstreamConfig],
                limits: LimitsConfig? = nil) {
        self.server = server
        self.store = store
        self.security = security
        self.recording = recording
        self.moderation = moderation
        self.upstreams = upstreams
        self.limits = limits
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        server = try c.decodeIfPresent(ServerConfig.self, forKey: .server) ?? .init()
        store = try c.decodeIfPresent(StoreConfig.self, forKey: .store) ?? .init()
        security = try c.decodeIfPresent(SecurityConfig.self, forKey: .security) ?? .init()
        recording = try c.decodeIfPresent(RecordingConfig.self, forKey: .recording) ?? .init()
        moderation = try c.decodeIfPresent(ModerationConfig.self, forKey: .moderation) ?? .init()
        upstreams = try c.decodeIfPresent([UpstreamConfig].self, forKey: .upstreams) ?? []
        limits = try c.decodeIfPresent(LimitsConfig.self, forKey: .limits)
        policy = try c.decodeIfPresent(PolicyConfig.self, forKey: .policy)
    }

    /// Reads, decodes strictly and validates a YAML file.
    public static func load(path: String) throws -> WardenConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError("cannot read configuration file '\(path)'")
        }
        return try parse(yaml: text, source: path)
    }

    /// Decodes strictly and validates YAML text; `source` names it in errors.
    public static func parse(yaml: String, source: String = "warden.yaml") throws -> WardenConfig {
        do {
            let node = try Yams.compose(yaml: yaml) ?? Node.mapping([:])
            let config = try WardenConfig(from: StrictDecoder(YAMLDecoderBridge.decoder(for: node)))
            try config.validate()
            return config
        } catch let error as ConfigError {
            throw ConfigError("\(source): \(error.message)")
        } catch let error as DecodingError {
            throw ConfigError("\(source): \(ConfigError.describe(error))")
        } catch {
            throw ConfigError("\(source): \(error)")
        }
    }

    /// Checks values that decoding alone cannot: ranges, uniqueness, URLs.
    public func validate() throws {
        try server.validate()
        try recording.validate()
        try moderation.validate()
        guard !upstreams.isEmpty else { throw ConfigError("'upstreams' must list at least one model server") }
        var upstreamNames = Set<String>()
        var modelNames = [String: String]()
        for (i, upstream) in upstreams.enumerated() {
            try upstream.validate(path: "upstreams[\(i)]")
            guard upstreamNames.insert(upstream.name).inserted else {
                throw ConfigError("upstreams[\(i)].name: '\(upstream.name)' is used twice")
            }
            for model in upstream.models {
                for name in [model.name] + model.aliases {
                    if let other = modelNames[name] {
                        throw ConfigError("upstreams[\(i)].models: model name '\(name)' is already routed to upstream '\(other)'")
                    }
                    modelNames[name] = upstream.name
                }
            }
        }
        try limits?.validate(routedModels: Set(modelNames.keys))
        _ = try policy?.platform()
    }
}

/// A configuration problem, with a message naming the key and what is wrong.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = ConfigPath.format(context.codingPath)
            return p.isEmpty ? "(top level)" : p
        }
        switch error {
        case .dataCorrupted(let c): return c.debugDescription.hasPrefix("unknown key") ? c.debugDescription : "\(path(c)): \(c.debugDescription)"
        case .keyNotFound(let key, let c): return "\(path(c).replacingOccurrences(of: "(top level)", with: "")): missing required key '\(key.stringValue)'"
        case .typeMismatch(let type, let c): return "\(path(c)): expected \(type)"
        case .valueNotFound(let type, let c): return "\(path(c)): expected \(type), found nothing"
        @unknown default: return "\(error)"
        }
    }
}

/// Bridges a composed Yams node to a `Decoder` (so `StrictDecoder` can wrap it).
enum YAMLDecoderBridge {
    struct Capture: Decodable {
        let decoder: any Decoder
        init(from decoder: any Decoder) throws { self.decoder = decoder }
    }

    static func decoder(for node: Node) throws -> any Decoder {
        try YAMLDecoder().decode(Capture.self, from: node).decoder
    }
}
