import Foundation
import Logging
import ServiceLifecycle
import Testing
import WardenCore
@testable import Store

func temporaryStorePath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("warden-test-\(UUID().uuidString)/warden.sqlite").path
}

func usage(_ id: String, time: Date = Date(), text: String? = nil) -> UsageRecord {
    UsageRecord(id: id, time: time, endpoint: "/v1/chat/completions", orgId: "org_1", model: "m",
                promptTokens: 3, completionTokens: 5, totalMs: 12.5, status: 200, promptText: text, completionText: text)
}

@Suite struct SQLiteStoreTests {
    @Test func tenantsAreCreatedWithAuditEntries() async throws {
        let store = try SQLiteStore(path: temporaryStorePath())
        let directory = TenantDirectory(store: store, hasher: APIKeyHasher(secret: "s"))
        let g0 = try await store.tenantGeneration()
        let org = try await directory.createOrg(name: " Acme ", actor: "cli:test")
        #expect(org.name == "Acme")
        let app = try await directory.createApp(orgId: org.id, name: "chat", actor: "cli:test")
        let (record, key) = try await directory.createKey(appId: app.id, name: "prod", actor: "cli:test")
        #expect(try await store.tenantGeneration() == g0 + 3)
        #expect(record.orgId == org.id)
        #expect(key.hasPrefix(record.prefix))
        let stored = try #require(try await store.key(id: record.id))
        #expect(stored.hash != key)
        #expect(APIKeyHasher(secret: "s").verify(key, againstHash: stored.hash))

        let audit = try await store.auditEntries(limit: 10)
        #expect(audit.map(\.action) == ["key.create", "app.create", "org.create"])
        #expect(audit.allSatisfy { $0.actor == "cli:test" })
        #expect(audit[0].after?.contains(key) == false)
        #expect(audit[0].after?.contains(stored.hash) == false)
    }

    @Test func revokingIsAuditedWithBeforeAndAfter() async throws {
        let store = try SQLiteStore(path: temporaryStorePath())
        let directory = TenantDirectory(store: store, hasher: APIKeyHasher(secret: nil))
        let org = try await directory.createOrg(name: "o", actor: "t")
        let app = try await directory.createApp(orgId: org.id, name: "a", actor: "t")
        let (record, _) = try await directory.createKey(appId: app.id, name: "k", actor: "t")
        let revoked = try await directory.revokeKey(id: record.id, actor: "admin-api:alice")
        #expect(revoked.isRevoked)
        #expect(try await store.key(id: record.id)?.isRevoked == true)
        let entry = try #require(try await store.auditEntries(limit: 1).first)
        #expect(entry.action == "key.revoke")
        #expect(entry.actor == "admin-api:alice")
        #expect(entry.before?.contains("\"revoked_at\"") == false)
        #expect(entry.after?.contains("\"revoked_at\"") == true)
        await #expect(throws: StoreError.self) { try await directory.revokeKey(id: record.id, actor: "t") }
    }

    @Test func missingParentsAndBadNamesAreRejected() async throws {
        let store = try SQLiteStore(path: temporaryStorePath())
        let directory = TenantDirectory(store: store, hasher: APIKeyHasher(secret: nil))
        await #expect(throws: StoreError.notFound(kind: "org", id: "org_nope")) {
            try await directory.createApp(orgId: "org_nope", name: "a", actor: "t")
        }
        await #expect(throws: StoreError.notFound(kind: "app", id: "app_nope")) {
            try await directory.createKey(appId: "app_nope", name: "k", actor: "t")
        }
        await #expect(throws: OpenAIError.self) { try await directory.createOrg(name: "   ", actor: "t") }
        #expect(try await store.auditEntries(limit: 10).isEmpty)
    }

    @Test func usageRecordsRoundTripAndTextIsPurged() async throws {
        let store = try SQLiteStore(path: temporaryStorePath())
        let old = Date().addingTimeInterval(-40 * 86_400)
        try await store.insertUsage([usage("req_old", time: old, text: "old text"), usage("req_new", text: "new text")])
        #expect(try await store.usageCount() == 2)
        let purger = RetentionPurger(store: store, retentionDays: 30, logger: Logger(label: "test"))
        #expect(try await purger.purgeOnce() == 1)
        let records = try await store.usage(limit: 10)
        #expect(records.first { $0.id == "req_old" }?.promptText == nil)
        #expect(records.first { $0.id == "req_new" }?.promptText == "new text")
        #expect(records.first { $0.id == "req_old" }?.promptTokens == 3)
    }

    @Test func reopeningKeepsDataAndMigrationsAreListed() async throws {
        let path = temporaryStorePath()
        do {
            let store = try SQLiteStore(path: path)
            try await store.insertUsage([usage("req_1")])
        }
        let again = try SQLiteStore(path: path)
        #expect(try await again.usageCount() == 1)
        #expect(try again.appliedMigrations() == ["v1_tenants_usage_audit", "v2_limits_events", "v3_policy_feedback"])
    }
}

@Suite struct UsageWriterTests {
    @Test func gracefulShutdownFlushesEverything() async throws {
        let store = try SQLiteStore(path: temporaryStorePath())
        // A long interval: nothing is written until shutdown forces the final flush.
        let writer = UsageWriter(store: store, interval: .seconds(3600), logger: Logger(label: "test"))
        for i in 0..<2500 { writer.submit(usage("req_\(i)")) }
        #expect(writer.pending == 2500)
        let group = ServiceGroup(configuration: .init(services: [writer], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(50))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(writer.pending == 0)
        #expect(try await store.usageCount() == 2500)
    }

    @Test func failedWritesAreKeptForRetry() async throws {
        let store = FailingStore()
        let writer = UsageWriter(store: store, interval: .seconds(3600), logger: Logger(label: "test"))
        writer.submit(usage("req_a"))
        writer.submit(usage("req_b"))
        await writer.flush()
        #expect(writer.pending == 2)
        store.failing.withLock { $0 = false }
        await writer.flush()
        #expect(writer.pending == 0)
        #expect(store.written.withLock { $0.map(\.id) } == ["req_a", "req_b"])
    }
}

@Suite struct LimitStoreTests {
    @Test func usageTotalsSumTokensAndCostPerKeySinceATime() async throws {
        let store = try SQLiteStore(path: temporaryStorePath())
        let now = Date()
        func record(_ id: String, key: String, at time: Date, cost: Int64?) -> UsageRecord {
            UsageRecord(id: id, time: time, endpoint: "/v1/chat/completions", orgId: "org_1", appId: "app_1", keyId: key,
                        promptTokens: 7, completionTokens: 3, totalMs: 1, status: 200, costMicros: cost)
        }
        try await store.insertUsage([
            record("r1", key: "k1", at: now, cost: 13), record("r2", key: "k1", at: now, cost: nil),
            record("r3", key: "k2", at: now, cost: 5), record("old", key: "k1", at: now.addingTimeInterval(-86_400 * 40), cost: 100),
        ])
        let totals = try await store.usageTotals(since: now.addingTimeInterval(-3_600)).sorted { $0.keyId < $1.keyId }
        #expect(totals == [UsageTotal(orgId: "org_1", appId: "app_1", keyId: "k1", tokens: 20, costMicros: 13),
                           UsageTotal(orgId: "org_1", appId: "app_1", keyId: "k2", tokens: 10, costMicros: 5)])
    }

    @Test func overridesAndEventsRoundTripAndOverridesAreAudited() async throws {
        let store = try SQLiteStore(path: temporaryStorePath())
        let directory = TenantDirectory(store: store, hasher: APIKeyHasher(secret: nil))
        let org = try await directory.createOrg(name: "o", actor: "t")
        let g0 = try await store.tenantGeneration()
        let o = try await directory.addLimitOverride(level: "org", targetId: org.id, limits: #"{"requests_per_minute":5}"#,
                                                     expiresAt: nil, reason: "test", actor: "alice")
        #expect(try await store.tenantGeneration() == g0 + 1)
        #expect(try await store.limitOverrides().map(\.id) == [o.id])
        #expect(try await store.limitOverrides().first?.limits == #"{"requests_per_minute":5}"#)
        await #expect(throws: StoreError.notFound(kind: "app", id: "app_x")) {
            try await directory.addLimitOverride(level: "app", targetId: "app_x", limits: "{}", expiresAt: nil, reason: "r", actor: "a")
        }
        _ = try await directory.removeLimitOverride(id: o.id, actor: "alice")
        #expect(try await store.limitOverrides().isEmpty)
        #expect(try await store.auditEntries(limit: 2).map(\.action) == ["limits.override.remove", "limits.override"])
        let tiered = try await directory.setOrgLimits(id: org.id, tier: "production", budgetMode: "soft", actor: "alice")
        #expect(try await store.org(id: org.id) == tiered)
        try await store.insertEvents([EventRecord(id: "evt_1", time: Date(), kind: "budget.alert", orgId: org.id, payload: "{}")])
        #expect(try await store.events(kind: "budget.alert", limit: 5).map(\.id) == ["evt_1"])
        #expect(try await store.events(kind: "other", limit: 5).isEmpty)
    }
}
