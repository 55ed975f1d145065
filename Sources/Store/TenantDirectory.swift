import Foundation
import WardenCore

/// The operations on orgs, apps and keys that the admin API and the CLI share. Each one writes
/// its audit entry (who, what, when, before and after) in the same transaction as the change.
///
/// ```swift
/// let directory = TenantDirectory(store: store, hasher: APIKeyHasher(secret: nil))
/// let org = try await directory.createOrg(name: "Acme", actor: "cli:root")
/// let app = try await directory.createApp(orgId: org.id, name: "chat", actor: "cli:root")
/// let (record, key) = try await directory.createKey(appId: app.id, name: "prod", actor: "cli:root")
/// print(key)   // "wdn-…": shown once, only its hash is stored
/// ```
public struct TenantDirectory: Sendable {
    public let store: any WardenStore
    public let hasher: APIKeyHasher
    private let now: @Sendable () -> Date

    public init(store: any WardenStore, hasher: APIKeyHasher, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.hasher = hasher
        self.now = now
    }

    public func createOrg(name: String, actor: String) async throws -> Org {
        let org = Org(id: Identifier.make(.org), name: try Self.validName(name), createdAt: now())
        try await store.insertOrg(org, audit: audit(actor, "org.create", "org", org.id, before: nil, after: org))
        return org
    }

    public func createApp(orgId: String, name: String, actor: String) async throws -> App {
        let app = App(id: Identifier.make(.app), orgId: orgId, name: try Self.validName(name), createdAt: now())
        try await store.insertApp(app, audit: audit(actor, "app.create", "app", app.id, before: nil, after: app))
        return app
    }

    /// Creates a key for an app. The returned `key` is the only time the secret exists outside the client.
    public func createKey(appId: String, name: String, actor: String) async throws -> (record: APIKeyRecord, key: String) {
        guard let app = try await store.app(id: appId) else { throw StoreError.notFound(kind: "app", id: appId) }
        let key = APIKeyHasher.generate()
        let record = APIKeyRecord(
            id: Identifier.make(.key), appId: app.id, orgId: app.orgId, name: try Self.validName(name),
            prefix: APIKeyHasher.displayPrefix(of: key)!, hash: hasher.hash(key), createdAt: now())
        try await store.insertKey(record, audit: audit(actor, "key.create", "key", record.id, before: nil, after: Self.redacted(record)))
        return (record, key)
    }

    /// Revokes a key at once; requests with it fail with 401 as soon as caches see the change.
    public func revokeKey(id: String, actor: String) async throws -> APIKeyRecord {
        guard let before = try await store.key(id: id) else { throw StoreError.notFound(kind: "key", id: id) }
        var after = before
        after.revokedAt = now()
        try await store.revokeKey(id: id, at: after.revokedAt!, audit: audit(actor, "key.revoke", "key", id, before: Self.redacted(before), after: Self.redacted(after)))
        return after
    }

    /// Sets an org's limits tier (`nil`: the default tier) and budget mode (`nil`: the default).
    /// Callers check that the tier exists in the configuration.
    public func setOrgLimits(id: String, tier: String?, budgetMode: String?, actor: String) async throws -> Org {
        guard let before = try await store.org(id: id) else { throw StoreError.notFound(kind: "org", id: id) }
        var after = before
        after.tier = tier
        after.budgetMode = budgetMode
        try await store.updateOrg(after, audit: audit(actor, "org.limits", "org", id, before: before, after: after))
        return after
    }

    /// Sets an app's limits tier (`nil`: its org's).
    public func setAppTier(id: String, tier: String?, actor: String) async throws -> App {
        guard let before = try await store.app(id: id) else { throw StoreError.notFound(kind: "app", id: id) }
        var after = before
        after.tier = tier
        try await store.updateApp(after, audit: audit(actor, "app.limits", "app", id, before: before, after: after))
        return after
    }

    /// Adds an override of the limits of an org, app or key (which must exist), audited.
    public func addLimitOverride(level: String, targetId: String, limits: String, expiresAt: Date?, reason: String,
                                 actor: String) async throws -> LimitOverrideRecord {
        let exists: Bool
        switch level {
        case "org": exists = try await store.org(id: targetId) != nil
        case "app": exists = try await store.app(id: targetId) != nil
        case "key": exists = try await store.key(id: targetId) != nil
        default: throw OpenAIError.invalidRequest("'level' must be org, app or key.", param: "level")
        }
        guard exists else { throw StoreError.notFound(kind: level, id: targetId) }
        let record = LimitOverrideRecord(id: Identifier.make(.limitOverride), level: level, targetId: targetId, limits: limits,
                                         expiresAt: expiresAt, reason: reason, createdBy: actor, createdAt: now())
        try await store.insertLimitOverride(record, audit: audit(actor, "limits.override", level, targetId, before: nil, after: record))
        return record
    }

    /// Removes an override at once, audited.
    public func removeLimitOverride(id: String, actor: String) async throws -> LimitOverrideRecord {
        guard let before = try await store.limitOverride(id: id) else { throw StoreError.notFound(kind: "limit override", id: id) }
        try await store.deleteLimitOverride(id: id, audit: audit(actor, "limits.override.remove", before.level, before.targetId,
                                                                 before: before, after: nil as LimitOverrideRecord?))
        return before
    }

    /// Stores a new version of an app's policy customization (`document` `nil`: back to the
    /// platform defaults), with its change lines, audited. Callers validate the document.
    public func setAppPolicy(appId: String, document: String?, changes: [String], reason: String, actor: String) async throws -> PolicyVersionRecord {
        guard try await store.app(id: appId) != nil else { throw StoreError.notFound(kind: "app", id: appId) }
        let before = try await store.policyVersions(scope: appId).last
        return try await recordPolicyVersion(scope: appId, document: document, changes: changes, reason: reason, actor: actor,
                                             action: "policy.app.set", type: "app", before: before)
    }

    /// Stores a new version of the platform policy (a changed `policy.yaml`), audited.
    public func recordPlatformPolicy(document: String, changes: [String], reason: String, actor: String) async throws -> PolicyVersionRecord {
        let before = try await store.policyVersions(scope: PolicyVersionRecord.platformScope).last
        return try await recordPolicyVersion(scope: PolicyVersionRecord.platformScope, document: document, changes: changes, reason: reason,
                                             actor: actor, action: "policy.platform.version", type: "platform", before: before)
    }

    private func recordPolicyVersion(scope: String, document: String?, changes: [String], reason: String, actor: String,
                                     action: String, type: String, before: PolicyVersionRecord?) async throws -> PolicyVersionRecord {
        let changeJSON = Self.json(changes) ?? "[]"
        let draft = PolicyVersionRecord(id: Identifier.make(.policy), scope: scope, createdAt: now(), author: actor, reason: reason,
                                        document: document, changes: changeJSON)
        var after = draft
        after.number = (before?.number ?? 0) + 1
        return try await store.insertPolicyVersion(draft, audit: audit(actor, action, type, scope, before: before, after: after))
    }

    /// Names are what people read in lists: 1 to 200 characters, not only spaces.
    public static func validName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 200 else {
            throw OpenAIError.invalidRequest("'name' must be 1 to 200 characters.", param: "name")
        }
        return trimmed
    }

    /// A key record without its hash, for audit entries and listings.
    public static func redacted(_ key: APIKeyRecord) -> APIKeyRecord {
        var copy = key
        copy.hash = "(redacted)"
        return copy
    }

    private func audit<T: Encodable>(_ actor: String, _ action: String, _ type: String, _ id: String, before: T?, after: T?) -> AuditEntry {
        AuditEntry(id: Identifier.make(.audit), time: now(), actor: actor, action: action, targetType: type, targetId: id,
                   before: before.flatMap(Self.json), after: after.flatMap(Self.json))
    }

    static func json<T: Encodable>(_ value: T) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) }
    }
}
