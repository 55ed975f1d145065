import Foundation
import WardenCore

/// `server:` where and how the gateway listens.
public struct ServerConfig: Decodable, Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// Largest accepted request body; larger bodies get 413.
    public var maxBodyBytes = 4 * 1024 * 1024

    enum CodingKeys: String, CodingKey { case host, port, maxBodyBytes = "max_body_bytes" }

    public init() {}
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? host
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? port
        maxBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? maxBodyBytes
    }

    func validate() throws {
        guard (0...65535).contains(port) else { throw ConfigError("server.port: \(port) is not a port (0 to 65535)") }
        guard maxBodyBytes >= 1024 else { throw ConfigError("server.max_body_bytes: \(maxBodyBytes) is below the minimum of 1024") }
    }
}

/// `store:` where Warden keeps tenants, usage and the audit log.
public struct StoreConfig: Decodable, Sendable {
    /// Path of the SQLite database file (created with its folder).
    public var sqlite = "var/warden.sqlite"

    enum CodingKeys: String, CodingKey { case sqlite }

    public init(sqlite: String = "var/warden.sqlite") { self.sqlite = sqlite }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sqlite = try c.decodeIfPresent(String.self, forKey: .sqlite) ?? sqlite
    }
}

/// `security:` names of the environment variables holding secrets (secrets never sit in the file).
public struct SecurityConfig: Decodable, Sendable {
    /// Env var with the admin token that `/admin/v1/*` requires. Unset: the admin API answers 403.
    public var adminTokenEnv = "WARDEN_ADMIN_TOKEN"
    /// Env var with the server secret for HMAC-SHA256 key hashes. Unset: plain SHA-256.
    public var keySecretEnv = "WARDEN_KEY_SECRET"
    /// How often (seconds) the key cache checks the store for changes made by other processes.
    public var keyRefreshSeconds = 1.0
    /// An admin token given in code (an app embedding the gateway, tests); when set, `adminTokenEnv`
    /// is not read. Never decoded from the file. Tests use it because changing the process
    /// environment (`setenv`) while other threads read it can crash the process.
    public var adminTokenValue: String?

    enum CodingKeys: String, CodingKey {
        case adminTokenEnv = "admin_token_env", keySecretEnv = "key_secret_env", keyRefreshSeconds = "key_refresh_seconds"
    }

    public init() {}
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        adminTokenEnv = try c.decodeIfPresent(String.self, forKey: .adminTokenEnv) ?? adminTokenEnv
        keySecretEnv = try c.decodeIfPresent(String.self, forKey: .keySecretEnv) ?? keySecretEnv
        keyRefreshSeconds = try c.decodeIfPresent(Double.self, forKey: .keyRefreshSeconds) ?? keyRefreshSeconds
    }

    public var adminToken: String? {
        if let adminTokenValue { return adminTokenValue.isEmpty ? nil : adminTokenValue }
        return ProcessInfo.processInfo.environment[adminTokenEnv].flatMap { $0.isEmpty ? nil : $0 }
    }
    public var keySecret: String? { ProcessInfo.processInfo.environment[keySecretEnv].flatMap { $0.isEmpty ? nil : $0 } }
}

/// `recording:` what usage records keep of the text, for how long, and how they are written.
public struct RecordingConfig: Decodable, Sendable {
    /// `none` | `hash` | `full`.
    public var text = TextRetention.none
    /// Days stored text is kept before the purge job clears it.
    public var retentionDays = 30
    /// Milliseconds between batch writes of usage records.
    public var flushIntervalMs = 1000

    enum CodingKeys: String, CodingKey { case text, retentionDays = "retention_days", flushIntervalMs = "flush_interval_ms" }

    public init(text: TextRetention = .none, retentionDays: Int = 30, flushIntervalMs: Int = 1000) {
        self.text = text
        self.retentionDays = retentionDays
        self.flushIntervalMs = flushIntervalMs
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let raw = try c.decodeIfPresent(String.self, forKey: .text) {
            guard let value = TextRetention(rawValue: raw) else {
                throw ConfigError("recording.text: '\(raw)' is not one of none, hash, full")
            }
            text = value
        }
        retentionDays = try c.decodeIfPresent(Int.self, forKey: .retentionDays) ?? retentionDays
        flushIntervalMs = try c.decodeIfPresent(Int.self, forKey: .flushIntervalMs) ?? flushIntervalMs
    }

    func validate() throws {
        guard retentionDays >= 1 else { throw ConfigError("recording.retention_days: \(retentionDays) must be at least 1") }
        guard (1...60_000).contains(flushIntervalMs) else { throw ConfigError("recording.flush_interval_ms: \(flushIntervalMs) must be 1 to 60000") }
    }
}

/// `moderation:` the built-in classifier behind `/v1/moderations`.
public struct ModerationConfig: Decodable, Sendable {
    /// Path of the classifier model; unset: the shipped `Models/warden-fast.bin`.
    public var model: String?
    /// Most inputs accepted in one `/v1/moderations` request.
    public var maxInputs = 2048
    /// The precise tier (MiniLM joined with n-grams); unset: fast tier only.
    public var precise: PreciseTierConfig?

    enum CodingKeys: String, CodingKey { case model, maxInputs = "max_inputs", precise }

    public init() {}
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        maxInputs = try c.decodeIfPresent(Int.self, forKey: .maxInputs) ?? maxInputs
        precise = try c.decodeIfPresent(PreciseTierConfig.self, forKey: .precise)
    }

    func validate() throws {
        guard maxInputs >= 1 else { throw ConfigError("moderation.max_inputs: \(maxInputs) must be at least 1") }
        try precise?.validate()
    }
}

/// `moderation.precise:` the precise tier. Screening asks it per `escalation`; `/v1/moderations`
/// asks it when the request names its model (`warden-precise` or the model's own name).
///
/// ```yaml
/// moderation:
///   precise:
///     model: Models/warden-precise.bin   # default
///     encoder: var/encoder               # default: $WARDEN_ENCODER_DIR, then ./var/encoder
///     escalation: uncertain              # never | uncertain | always
///     band: [0.5, 1.5]                   # uncertain = fast score within these multiples of a threshold
/// ```
public struct PreciseTierConfig: Decodable, Sendable {
    public var model: String?
    public var encoder: String?
    public var escalation: String = "uncertain"
    public var band: [Double] = [0.5, 1.5]

    enum CodingKeys: String, CodingKey { case model, encoder, escalation, band }

    public init() {}
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model)
        encoder = try c.decodeIfPresent(String.self, forKey: .encoder)
        escalation = try c.decodeIfPresent(String.self, forKey: .escalation) ?? escalation
        band = try c.decodeIfPresent([Double].self, forKey: .band) ?? band
    }

    func validate() throws {
        let modes = ["never", "uncertain", "always"]
        guard modes.contains(escalation) else {
            throw ConfigError("moderation.precise.escalation: '\(escalation)' is not one of \(modes.joined(separator: ", "))")
        }
        guard band.count == 2, band[0] > 0, band[0] < band[1] else {
            throw ConfigError("moderation.precise.band: \(band) must be two multiples of a threshold, lower < upper, e.g. [0.5, 1.5]")
        }
    }
}

/// One model server (`upstreams[i]`): where it is, what it serves, how long to wait for it.
public struct UpstreamConfig: Decodable, Sendable {
    public var name: String
    /// Base URL including the API version path, e.g. `http://127.0.0.1:8081/v1`.
    public var baseURL: String
    /// Env var holding the upstream's API key, sent as `Authorization: Bearer …`.
    public var apiKeyEnv: String?
    public var connectTimeoutSeconds = 5.0
    /// Longest silence while reading a response (also between streamed chunks).
    public var readTimeoutSeconds = 120.0
    public var maxConnections = 64
    public var models: [ModelRoute]

    enum CodingKeys: String, CodingKey {
        case name, baseURL = "base_url", apiKeyEnv = "api_key_env", connectTimeoutSeconds = "connect_timeout"
        case readTimeoutSeconds = "read_timeout", maxConnections = "max_connections", models
    }

    public init(name: String, baseURL: String, apiKeyEnv: String? = nil, connectTimeoutSeconds: Double = 5,
                readTimeoutSeconds: Double = 120, maxConnections: Int = 64, models: [ModelRoute]) {
        self.name = name
        self.baseURL = baseURL
        self.apiKeyEnv = apiKeyEnv
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.readTimeoutSeconds = readTimeoutSeconds
        self.maxConnections = maxConnections
        self.models = models
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        baseURL = try c.decode(String.self, forKey: .baseURL)
        apiKeyEnv = try c.decodeIfPresent(String.self, forKey: .apiKeyEnv)
        connectTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .connectTimeoutSeconds) ?? connectTimeoutSeconds
        readTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .readTimeoutSeconds) ?? readTimeoutSeconds
        maxConnections = try c.decodeIfPresent(Int.self, forKey: .maxConnections) ?? maxConnections
        models = try c.decode([ModelRoute].self, forKey: .models)
    }

    /// The upstream's API key, read from the environment.
    public var apiKey: String? { apiKeyEnv.flatMap { ProcessInfo.processInfo.environment[$0] } }

    func validate(path: String) throws {
        guard !name.isEmpty else { throw ConfigError("\(path).name: must not be empty") }
        guard let url = URL(string: baseURL), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw ConfigError("\(path).base_url: '\(baseURL)' is not an http(s) URL")
        }
        guard connectTimeoutSeconds > 0 else { throw ConfigError("\(path).connect_timeout: must be positive") }
        guard readTimeoutSeconds > 0 else { throw ConfigError("\(path).read_timeout: must be positive") }
        guard maxConnections >= 1 else { throw ConfigError("\(path).max_connections: must be at least 1") }
        guard !models.isEmpty else { throw ConfigError("\(path).models: must list at least one model") }
        if let env = apiKeyEnv, ProcessInfo.processInfo.environment[env] == nil {
            throw ConfigError("\(path).api_key_env: environment variable '\(env)' is not set")
        }
        for (j, model) in models.enumerated() where model.name.isEmpty {
            throw ConfigError("\(path).models[\(j)].name: must not be empty")
        }
    }
}

/// A model a client may ask for, and what the upstream calls it.
public struct ModelRoute: Decodable, Sendable {
    /// The name clients send in `model` and see in `/v1/models`.
    public var name: String
    /// The name sent upstream; defaults to `name`.
    public var upstreamName: String?
    /// Other names clients may use for the same model.
    public var aliases: [String] = []

    enum CodingKeys: String, CodingKey { case name, upstreamName = "upstream_name", aliases }

    public init(name: String, upstreamName: String? = nil, aliases: [String] = []) {
        self.name = name
        self.upstreamName = upstreamName
        self.aliases = aliases
    }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        upstreamName = try c.decodeIfPresent(String.self, forKey: .upstreamName)
        aliases = try c.decodeIfPresent([String].self, forKey: .aliases) ?? []
    }
}
