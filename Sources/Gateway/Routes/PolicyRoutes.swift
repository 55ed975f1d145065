import Foundation
import Hummingbird
import NIOCore
import Policy
import Store
import WardenCore

/// The content policy's surfaces:
///
/// ```
/// GET /policy                         public: the platform policy in force, its bounds and changelog (HTML; JSON with ?format=json or Accept: application/json)
/// GET /admin/v1/policy                the platform policy document and its versions
/// GET /admin/v1/apps/{id}/policy      an app's customization, its versions and its effective policy
/// PUT /admin/v1/apps/{id}/policy      {"reason": "…", "policy": {…customization…}}: validated against the bounds (400 lists every violation), versioned, audited
/// DELETE /admin/v1/apps/{id}/policy   back to the platform defaults (a new version), audited
/// GET /admin/v1/feedback              end users' feedback with the decisions it is about
/// ```
struct PolicyRoutes: Sendable {
    let book: PolicyBook?
    let store: any WardenStore
    /// The gateway has a precise tier for apps whose policy asks for a second opinion.
    var secondOpinionAvailable = false

    func registerPublic(on router: Router<WardenRequestContext>) {
        router.get("/policy") { request, _ in
            let book = try configured()
            let versions = try await book.publishedVersions(from: store)
            let wantsJSON = request.uri.queryParameters.get("format") == "json"
                || (request.headers[.accept]?.contains("application/json") ?? false)
            if wantsJSON {
                return Response(status: .ok, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: PublishedPolicy.json(versions: versions))))
            }
            return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: PublishedPolicy.html(versions: versions))))
        }
    }

    func registerAdmin(on group: RouterGroup<WardenRequestContext>, directory: TenantDirectory, refresher: TenantRefresher) {
        group.get("policy") { _, _ in
            let book = try configured()
            return try AdminRoutes.json(PlatformView(version: book.platformVersion, document: book.platform,
                                                     versions: try await store.policyVersions(scope: PolicyVersionRecord.platformScope)))
        }
        group.get("apps/:id/policy") { _, context in
            let book = try configured()
            let id = try context.parameters.require("id")
            guard try await store.app(id: id) != nil else { throw StoreError.notFound(kind: "app", id: id) }
            return try AdminRoutes.json(view(book.policy(for: id).effective, versions: try await store.policyVersions(scope: id)))
        }
        group.put("apps/:id/policy") { request, context in
            let book = try configured()
            let id = try context.parameters.require("id")
            var request = request
            let body = try await request.collectBody(limit: 1 << 20)
            let input = try AppPolicyInput.parse(Data(body.readableBytesView), app: id, platform: book.platform)
            let version = try await AppPolicies.set(input.policy, appId: id, reason: input.reason, actor: AdminRoutes.actor(request),
                                                    directory: directory)
            try await refresher.refresh(force: true)
            return try AdminRoutes.json(view(book.policy(for: id).effective, versions: [version]), status: .created)
        }
        group.delete("apps/:id/policy") { request, context in
            let book = try configured()
            let id = try context.parameters.require("id")
            let version = try await AppPolicies.set(nil, appId: id, reason: request.uri.queryParameters.get("reason") ?? "removed",
                                                    actor: AdminRoutes.actor(request), directory: directory)
            try await refresher.refresh(force: true)
            return try AdminRoutes.json(view(book.policy(for: id).effective, versions: [version]))
        }
        group.get("feedback") { request, _ in
            try await AdminRoutes.json(store.feedback(appId: request.uri.queryParameters.get("app_id"), limit: AdminRoutes.limit(request)))
        }
    }

    /// An app's view, with a warning when its policy asks for a second opinion this gateway cannot give.
    private func view(_ effective: EffectivePolicy, versions: [PolicyVersionRecord]) -> AppView {
        let warnings = effective.secondOpinion && !secondOpinionAvailable
            ? ["second_opinion has no effect: this gateway has no precise tier (moderation.precise in warden.yaml)"] : nil
        return AppView(effective: effective, versions: versions, warnings: warnings)
    }

    private func configured() throws -> PolicyBook {
        guard let book else {
            throw OpenAIError(status: 404, message: "No content policy is configured: add a 'policy:' section to warden.yaml.",
                              type: "invalid_request_error", code: "policy_not_configured")
        }
        return book
    }

    struct PlatformView: Encodable {
        let version: Int
        let document: PlatformPolicy
        let versions: [PolicyVersionRecord]
    }

    struct AppView: Encodable {
        let effective: EffectivePolicy
        let versions: [PolicyVersionRecord]
        /// Absent when there is nothing to say.
        let warnings: [String]?
    }
}

/// `PUT /admin/v1/apps/{id}/policy`'s body: `{"reason": "…", "policy": {…}}`, the customization
/// validated against the platform's bounds; every violation is listed in one 400.
struct AppPolicyInput {
    var reason: String
    var policy: AppPolicy

    static func parse(_ data: Data, app: String, platform: PlatformPolicy) throws -> AppPolicyInput {
        let object = try JSONInput(data, fields: ["reason", "policy"], shape: #"{"reason": "…", "policy": {…}}"#)
        let reason = try object.text("reason", why: "policy changes are versioned and audited: say why")
        guard let policy = object["policy"], policy is [String: Any] else {
            throw OpenAIError.invalidRequest("'policy' must be an object (the app's customization).", param: "policy")
        }
        let json = try JSONSerialization.data(withJSONObject: policy, options: [.sortedKeys])
        do {
            return AppPolicyInput(reason: reason, policy: try PolicyDocument.parseApp(json, source: "app \(app) policy", against: platform))
        } catch {
            throw OpenAIError(status: 400, message: "\(error)", type: "invalid_request_error", param: "policy", code: "policy_out_of_bounds")
        }
    }
}

/// `POST /v1/feedback`: an end user's verdict on one request of the calling app
/// (`wrongly_refused`, `harmful_output` or `other`, with an optional comment), stored with the
/// policy decision that request was made under.
struct FeedbackRoute: Sendable {
    let store: any WardenStore
    static let kinds: Set<String> = ["wrongly_refused", "harmful_output", "other"]

    func submit(_ request: Request, context: WardenRequestContext) async throws -> Response {
        guard let principal = context.principal else { throw OpenAIError.invalidAPIKey("Missing API key.") }
        var request = request
        let body = try await request.collectBody(limit: 64 * 1024)
        let object = try JSONInput(Data(body.readableBytesView), fields: nil, shape: #"{"request_id": "req_…", "kind": "…"}"#)
        let requestID = try object.text("request_id", why: "the x-request-id of the response")
        guard let kind = object["kind"] as? String, Self.kinds.contains(kind) else {
            throw OpenAIError.invalidRequest("'kind' must be one of \(Self.kinds.sorted().joined(separator: ", ")).", param: "kind")
        }
        let comment = (object["comment"] as? String).map { String($0.prefix(4_000)) }
        // The request must be this app's; its record may still be in the writer's buffer for a moment.
        var record = try await store.usageRecord(id: requestID)
        if record == nil {
            try await Task.sleep(for: .milliseconds(300))
            record = try await store.usageRecord(id: requestID)
        }
        guard let record, record.appId == principal.appId else {
            throw OpenAIError(status: 404, message: "No request '\(requestID)' of this app.", type: "invalid_request_error",
                              param: "request_id", code: "request_not_found")
        }
        let feedback = FeedbackRecord(id: Identifier.make(.feedback), time: Date(), requestId: requestID, kind: kind, comment: comment,
                                      orgId: principal.orgId, appId: principal.appId, keyId: principal.keyId, decision: record.policyDecision)
        try await store.insertFeedback(feedback)
        return try AdminRoutes.json(feedback, status: .created)
    }
}
