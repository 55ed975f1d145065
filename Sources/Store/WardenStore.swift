import Foundation

/// Everything Warden persists, behind one protocol so that SQLite (embedded default) and
/// PostgreSQL (several replicas) are interchangeable. Every mutation of tenants takes the
/// audit entry that describes it and writes both in one transaction: a change without its
/// audit entry cannot be expressed.
///
/// ```swift
/// let store: any WardenStore = try SQLiteStore(path: "var/warden.sqlite")
/// try await store.insertOrg(org, audit: entry)
/// ```
public protocol WardenStore: Sendable {
    // Tenants
    func insertOrg(_ org: Org, audit: AuditEntry) async throws
    func org(id: String) async throws -> Org?
    func orgs() async throws -> [Org]
    func insertApp(_ app: App, audit: AuditEntry) async throws
    func app(id: String) async throws -> App?
    func apps(orgId: String?) async throws -> [App]
    func insertKey(_ key: APIKeyRecord, audit: AuditEntry) async throws
    func key(id: String) async throws -> APIKeyRecord?
    func keys(appId: String?) async throws -> [APIKeyRecord]
    func revokeKey(id: String, at: Date, audit: AuditEntry) async throws
    /// Replaces an org's mutable fields (name, tier, budget mode), with its audit entry.
    func updateOrg(_ org: Org, audit: AuditEntry) async throws
    /// Replaces an app's mutable fields (name, tier), with its audit entry.
    func updateApp(_ app: App, audit: AuditEntry) async throws
    /// A counter that grows with every tenant change, from any process: caches reload when it moves.
    func tenantGeneration() async throws -> Int

    // Limits
    func insertLimitOverride(_ override: LimitOverrideRecord, audit: AuditEntry) async throws
    func deleteLimitOverride(id: String, audit: AuditEntry) async throws
    func limitOverride(id: String) async throws -> LimitOverrideRecord?
    /// Every override, expired ones included (callers filter by time).
    func limitOverrides() async throws -> [LimitOverrideRecord]
    /// Tokens and cost per key of the usage records since `since`.
    func usageTotals(since: Date) async throws -> [UsageTotal]

    // Policies
    /// Stores the next version of a scope's policy (its number assigned here: last + 1) with its
    /// audit entry, in one transaction; returns it as stored.
    func insertPolicyVersion(_ version: PolicyVersionRecord, audit: AuditEntry) async throws -> PolicyVersionRecord
    /// Every version of one scope, oldest first.
    func policyVersions(scope: String) async throws -> [PolicyVersionRecord]
    /// The latest version of every app scope (not the platform's).
    func latestAppPolicies() async throws -> [PolicyVersionRecord]

    // Feedback
    func insertFeedback(_ feedback: FeedbackRecord) async throws
    func feedback(appId: String?, limit: Int) async throws -> [FeedbackRecord]
    func usageRecord(id: String) async throws -> UsageRecord?

    // Events
    func insertEvents(_ events: [EventRecord]) async throws
    /// Newest first, optionally of one kind.
    func events(kind: String?, limit: Int) async throws -> [EventRecord]

    // Audit
    func auditEntries(limit: Int) async throws -> [AuditEntry]

    // Usage
    func insertUsage(_ records: [UsageRecord]) async throws
    func usage(limit: Int) async throws -> [UsageRecord]
    func usageCount() async throws -> Int
    /// Clears the stored text of records older than `cutoff`; returns how many records were cleared.
    func purgeText(olderThan cutoff: Date) async throws -> Int

    /// Cheap round trip proving the store answers (for `/readyz`).
    func ping() async throws
}

/// Store failures that callers can act on.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case notFound(kind: String, id: String)
    case conflict(String)

    public var description: String {
        switch self {
        case .notFound(let kind, let id): return "\(kind) '\(id)' not found"
        case .conflict(let message): return message
        }
    }
}
