import Foundation

/// One version of a policy: the platform's (`scope` = `platform`) or an app's customization
/// (`scope` = the app id). `document` is the policy's canonical JSON (`nil` for an app: back to
/// the platform defaults); `changes` a JSON array of human-readable change lines.
public struct PolicyVersionRecord: Codable, Sendable, Equatable {
    public var id: String
    public var scope: String
    /// 1, 2, 3… per scope, assigned by the store.
    public var number: Int
    public var createdAt: Date
    public var author: String
    public var reason: String
    public var document: String?
    public var changes: String

    public init(id: String, scope: String, number: Int = 0, createdAt: Date, author: String, reason: String, document: String?, changes: String) {
        self.id = id
        self.scope = scope
        self.number = number
        self.createdAt = createdAt
        self.author = author
        self.reason = reason
        self.document = document
        self.changes = changes
    }

    public static let platformScope = "platform"

    enum CodingKeys: String, CodingKey { case id, scope, number, createdAt = "created_at", author, reason, document, changes }
}

/// An end user's feedback on one request (`wrongly_refused`, `harmful_output`, `other`), kept
/// with the policy decision the request was made under: raw material for evaluation suites and
/// retraining.
public struct FeedbackRecord: Codable, Sendable, Equatable {
    public var id: String
    public var time: Date
    public var requestId: String
    public var kind: String
    public var comment: String?
    public var orgId: String
    public var appId: String
    public var keyId: String
    /// The request's policy decision (JSON), copied from its usage record.
    public var decision: String?

    public init(id: String, time: Date, requestId: String, kind: String, comment: String?, orgId: String, appId: String, keyId: String, decision: String?) {
        self.id = id
        self.time = time
        self.requestId = requestId
        self.kind = kind
        self.comment = comment
        self.orgId = orgId
        self.appId = appId
        self.keyId = keyId
        self.decision = decision
    }

    enum CodingKeys: String, CodingKey {
        case id, time, requestId = "request_id", kind, comment, orgId = "org_id", appId = "app_id", keyId = "key_id", decision
    }
}
