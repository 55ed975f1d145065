import HTTPTypes
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Store
import Testing
import WardenCore
@testable import Gateway

/// What a live gateway test gets: a client on the gateway's real loopback port, a valid key,
/// and the store (to read usage records after the gateway has shut down and flushed).
struct GatewayFixture {
    let store: SQLiteStore
    let directory: TenantDirectory
    let key: String
    let keyID: String
    let appID: String
    let orgID: String
}

/// The fake upstream's behaviours, routed under gateway model names `m-<behaviour>`.
let fakeBehaviours = ["ok", "stream", "stream-nodone", "stream-malformed", "stream-reset", "stream-slow",
                      "error500", "text502", "malformed", "no-usage", "reset", "slow", "hold", "echo", "say", "stream-say"]

func testConfig(upstreamPort: Int, storePath: String) -> WardenConfig {
    var models = fakeBehaviours.map { ModelRoute(name: "m-\($0)", upstreamName: $0) }
    models[0].aliases = ["gpt-4o-mini"]
    var config = WardenConfig(upstreams: [
        UpstreamConfig(name: "fake", baseURL: "http://127.0.0.1:\(upstreamPort)/v1", connectTimeoutSeconds: 1, readTimeoutSeconds: 2, models: models),
        UpstreamConfig(name: "down", baseURL: "http://127.0.0.1:1/v1", connectTimeoutSeconds: 1, models: [ModelRoute(name: "m-down")]),
    ])
    config.server.port = 0
    config.server.maxBodyBytes = 64 * 1024
    config.store = StoreConfig(sqlite: storePath)
    config.recording = RecordingConfig(text: .full, retentionDays: 30, flushIntervalMs: 20)
    return config
}

/// Serves a fake upstream and a gateway in front of it, both on loopback, and runs `body`.
func withLiveGateway(
    adminToken: String? = nil,
    classifier: (any TextClassifying)? = nil,
    configure: @escaping @Sendable (inout WardenConfig) -> Void = { _ in },
    _ body: @escaping @Sendable (any TestClientProtocol, GatewayFixture) async throws -> Void,
    afterShutdown: @escaping @Sendable (GatewayFixture) async throws -> Void = { _ in }
) async throws {
    try await FakeUpstream.application().test(.live) { upstream in
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("warden-gw-\(UUID().uuidString)/w.sqlite").path
        var config = testConfig(upstreamPort: upstream.port!, storePath: path)
        configure(&config)
        let store = try SQLiteStore(path: path)
        let directory = TenantDirectory(store: store, hasher: APIKeyHasher(secret: config.security.keySecret))
        let org = try await directory.createOrg(name: "Acme", actor: "test")
        let app = try await directory.createApp(orgId: org.id, name: "chat", actor: "test")
        let (record, key) = try await directory.createKey(appId: app.id, name: "k", actor: "test")
        let fixture = GatewayFixture(store: store, directory: directory, key: key, keyID: record.id, appID: app.id, orgID: org.id)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        // Tests run in parallel with different tokens, and `setenv` while other threads read the
        // environment can crash the process: the token is given in code, never through the env.
        config.security.adminTokenEnv = "WARDEN_TEST_NO_ADMIN_TOKEN"
        config.security.adminTokenValue = adminToken
        let gateway = Gateway(config: config, store: store, classifier: classifier, logger: logger)
        try await gateway.application.test(.live) { client in try await body(client, fixture) }
        try await afterShutdown(fixture)
    }
}

extension TestClientProtocol {
    func post(_ uri: String, key: String?, json: String, headers extra: HTTPFields = [:]) async throws -> TestResponse {
        try await post(uri, key: key, bytes: Array(json.utf8), headers: extra)
    }

    func post(_ uri: String, key: String?, bytes: [UInt8], headers extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        headers[.contentType] = "application/json"
        if let key { headers[.authorization] = "Bearer \(key)" }
        return try await executeRequest(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: bytes))
    }

    func get(_ uri: String, key: String?) async throws -> TestResponse {
        var headers = HTTPFields()
        if let key { headers[.authorization] = "Bearer \(key)" }
        return try await executeRequest(uri: uri, method: .get, headers: headers, body: nil)
    }
}

extension TestResponse {
    var json: JSONValue { (try? JSONValue.parse(Array(body.readableBytesView))) ?? .null }
    var text: String { String(buffer: body) }
    var errorCode: String? { json["error"]?["code"]?.string }
    var errorParam: String? { json["error"]?["param"]?.string }
}

func chat(_ model: String, stream: Bool = false, extra: String = "") -> String {
    #"{"model":"\#(model)","messages":[{"role":"user","content":"Say hello"}]\#(stream ? #","stream":true"# : "")\#(extra)}"#
}
