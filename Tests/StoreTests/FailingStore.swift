import Foundation
import Synchronization
@testable import Store

/// A store whose usage writes fail while `failing` is set; everything else is unsupported.
final class FailingStore: WardenStore {
    let failing = Mutex(true)
    let written = Mutex<[UsageRecord]>([])

    struct Unavailable: Error {}

    func insertUsage(_ records: [UsageRecord]) async throws {
        if failing.withLock({ $0 }) { throw Unavailable() }
        written.withLock { $0.append(contentsOf: records) }
    }

    func insertOrg(_ org: Org, audit: AuditEntry) async throws { throw Unavailable() }
    func org(id: String) async throws -> Org? { nil }
    func orgs() async throws -> [Org] { [] }
    func insertApp(_ app: App, audit: AuditEntry) async throws { throw Unavailable() }
    func app(id: String) async throws -> App? { nil }
    func apps(orgId: String?) async throws -> [App] { [] }
    func insertKey(_ key: APIKeyRecord, audit: AuditEntry) async throws { throw Unavailable() }
    func key(id: String) async throws -> APIKeyRecord? { nil }
    func keys(appId: String?) async throws -> [APIKeyRecord] { [] }
    func revokeKey(id: String, at: Date, audit: AuditEntry) async throws { throw Unavailable() }
    func tenantGeneration() async throws -> Int { 0 }
    func updateOrg(_ org: Org, audit: AuditEntry) async throws { throw Unavailable() }
    func updateApp(_ app: App, audit: AuditEntry) async throws { throw Unavailable() }
    func insertLimitOverride(_ override: LimitOverrideRecord, audit: AuditEntry) async throws { throw Unavailable() }
    func deleteLimitOverride(id: String, audit: AuditEntry) async throws { throw Unavailable() }
    func limitOverride(id: String) async throws -> LimitOverrideRecord? { nil }
    func limitOverrides() async throws -> [LimitOverrideRecord] { [] }
    func usageTotals(since: Date) async throws -> [UsageTotal] { [] }
    func insertPolicyVersion(_ version: PolicyVersionRecord, audit: AuditEntry) async throws -> PolicyVersionRecord { throw Unavailable() }
    func policyVersions(scope: String) async throws -> [PolicyVersionRecord] { [] }
    func latestAppPolicies() async throws -> [PolicyVersionRecord] { [] }
    func insertFeedback(_ feedback: FeedbackRecord) async throws { throw Unavailable() }
    func feedback(appId: String?, limit: Int) async throws -> [FeedbackRecord] { [] }
    func usageRecord(id: String) async throws -> UsageRecord? { nil }
    func insertEvents(_ events: [EventRecord]) async throws { throw Unavailable() }
    func events(kind: String?, limit: Int) async throws -> [EventRecord] { [] }
    func auditEntries(limit: Int) async throws -> [AuditEntry] { [] }
    func usage(limit: Int) async throws -> [UsageRecord] { written.withLock { $0 } }
    func usageCount() async throws -> Int { written.withLock { $0.count } }
    func purgeText(olderThan cutoff: Date) async throws -> Int { 0 }
    func ping() async throws { throw Unavailable() }
}
