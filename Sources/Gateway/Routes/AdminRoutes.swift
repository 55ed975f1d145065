import HTTPTypes
import Foundation
import Hummingbird
import NIOCore
import Store
import WardenCore

/// Requires `Authorization: Bearer <admin token>` (compared in constant time). Without a
/// configured token the admin API is closed. `X-Warden-Actor` names the person, for the audit log.
struct RequireAdminToken: RouterMiddleware {
    let token: String?

    func handle(_ request: Request, context: WardenRequestContext, next: (Request, WardenRequestContext) async throws -> Response) async throws -> Response {
        guard let token else {
            throw OpenAIError(status: 403, message: "The admin API is disabled: start Warden with WARDEN_ADMIN_TOKEN set.", type: "permission_error", code: "admin_disabled")
        }
        let presented = request.headers[.authorization].map(Authenticate.bearerToken) ?? ""
        guard APIKeyHasher.constantTimeEquals(Array(presented.utf8), Array(token.utf8)) else {
            throw OpenAIError(status: 401, message: "The admin API needs 'Authorization: Bearer <admin token>'.", type: "invalid_request_error", code: "invalid_admin_token")
        }
        return try await next(request, context)
    }
}

/// `/admin/v1/*`: orgs, apps, keys, the audit log and recent usage, as JSON. Every change goes
/// through `TenantDirectory`, which audits it, and refreshes the key cache at once.
struct AdminRoutes: Sendable {
    let directory: TenantDirectory
    let refresher: TenantRefresher

    static let actorHeader = HTTPField.Name("x-warden-actor")!

    func register(on group: RouterGroup<WardenRequestContext>) {
        group.get("orgs") { _, _ in try await Self.json(directory.store.orgs()) }
        group.post("orgs") { request, context in
            let input = try await Self.decode(NameInput.self, request, context)
            return try Self.json(await directory.createOrg(name: input.name, actor: Self.actor(request)), status: .created)
        }
        group.get("orgs/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let org = try await directory.store.org(id: id) else { throw StoreError.notFound(kind: "org", id: id) }
            return try Self.json(org)
        }
        group.get("apps") { request, _ in try await Self.json(directory.store.apps(orgId: request.uri.queryParameters.get("org_id"))) }
        group.post("apps") { request, context in
            let input = try await Self.decode(AppInput.self, request, context)
            return try Self.json(await directory.createApp(orgId: input.orgId, name: input.name, actor: Self.actor(request)), status: .created)
        }
        group.get("keys") { request, _ in
            try await Self.json(directory.store.keys(appId: request.uri.queryParameters.get("app_id")).map(TenantDirectory.redacted))
        }
        group.post("keys") { request, context in
            let input = try await Self.decode(KeyInput.self, request, context)
            let (record, key) = try await directory.createKey(appId: input.appId, name: input.name ?? "default", actor: Self.actor(request))
            try await refresher.refresh(force: true)
            return try Self.json(CreatedKey(record: TenantDirectory.redacted(record), key: key), status: .created)
        }
        group.post("keys/:id/revoke") { request, context in
            let record = try await directory.revokeKey(id: try context.parameters.require("id"), actor: Self.actor(request))
            try await refresher.refresh(force: true)
            return try Self.json(TenantDirectory.redacted(record))
        }
        group.get("audit") { request, _ in
            try await Self.json(directory.store.auditEntries(limit: Self.limit(request)))
        }
        group.get("usage") { request, _ in
            try await Self.json(directory.store.usage(limit: Self.limit(request)))
        }
    }

    struct NameInput: Decodable { let name: String }
    struct AppInput: Decodable {
        let orgId: String
        let name: String
        enum CodingKeys: String, CodingKey { case orgId = "org_id", name }
    }
    struct KeyInput: Decodable {
        let appId: String
        let name: String?
        enum CodingKeys: String, CodingKey { case appId = "app_id", name }
    }
    /// The only response that ever contains a key: shown once.
    struct CreatedKey: Encodable {
        let record: APIKeyRecord
        let key: String
        func encode(to encoder: any Encoder) throws {
            try record.encode(to: encoder)
            var c = encoder.container(keyedBy: AnyKey.self)
            try c.encode(key, forKey: AnyKey(stringValue: "key"))
        }
    }

    static func actor(_ request: Request) -> String {
        guard let name = request.headers[actorHeader], !name.isEmpty else { return "admin-api" }
        return "admin-api:" + String(name.prefix(100))
    }

    static func limit(_ request: Request) -> Int {
        min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 100, 1), 10_000)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, _ context: WardenRequestContext) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(limit: 1 << 20)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let DecodingError.keyNotFound(key, _) {
            throw OpenAIError.invalidRequest("Missing required parameter: '\(key.stringValue)'.", param: key.stringValue)
        } catch let DecodingError.typeMismatch(_, c) {
            let field = c.codingPath.last?.stringValue
            throw OpenAIError.invalidRequest("Invalid type for '\(field ?? "body")'.", param: field)
        } catch {
            throw OpenAIError.invalidJSON("\(error)")
        }
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
