import Foundation
import GRDB

extension Org: FetchableRecord, PersistableRecord { public static let databaseTableName = "orgs" }
extension App: FetchableRecord, PersistableRecord { public static let databaseTableName = "apps" }
extension APIKeyRecord: FetchableRecord, PersistableRecord { public static let databaseTableName = "api_keys" }
extension UsageRecord: FetchableRecord, PersistableRecord { public static let databaseTableName = "usage_records" }
extension AuditEntry: FetchableRecord, PersistableRecord { public static let databaseTableName = "audit_log" }
extension LimitOverrideRecord: FetchableRecord, PersistableRecord { public static let databaseTableName = "limit_overrides" }
extension EventRecord: FetchableRecord, PersistableRecord { public static let databaseTableName = "events" }
extension PolicyVersionRecord: FetchableRecord, PersistableRecord { public static let databaseTableName = "policy_versions" }
extension FeedbackRecord: FetchableRecord, PersistableRecord { public static let databaseTableName = "feedback" }

/// The embedded store: SQLite through GRDB, in WAL mode so readers never wait on the writer.
///
/// ```swift
/// let store = try SQLiteStore(path: "var/warden.sqlite")   // creates and migrates
/// let orgs = try await store.orgs()
/// ```
public final class SQLiteStore: WardenStore {
    private let pool: DatabasePool
    public let path: String
    /// Batched inserts of usage records and events run here, below the request threads' priority.
    private let batchThread = BackgroundWriterThread(name: "warden-store-writer")

    /// Opens (creating folders and file as needed) and migrates the database.
    public init(path: String) throws {
        self.path = path
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try DatabasePool(path: path, configuration: config)
        try SQLiteMigrations.migrator.migrate(pool)
    }

    /// Names of the migrations applied to the database, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try SQLiteMigrations.migrator.appliedMigrations(db) }
    }

    // MARK: Tenants

    public func insertOrg(_ org: Org, audit: AuditEntry) async throws {
        try await pool.write { db in
            try org.insert(db)
            try Self.recordChange(db, audit)
        }
    }

    public func org(id: String) async throws -> Org? {
        try await pool.read { db in try Org.fetchOne(db, key: id) }
    }

    public func orgs() async throws -> [Org] {
        try await list(Org.self, where: "id", is: nil)
    }

    public func insertApp(_ app: App, audit: AuditEntry) async throws {
        try await insert(app, under: Org.self, id: app.orgId, kind: "org", audit: audit)
    }

    public func app(id: String) async throws -> App? {
        try await pool.read { db in try App.fetchOne(db, key: id) }
    }

    public func apps(orgId: String?) async throws -> [App] {
        try await list(App.self, where: "org_id", is: orgId)
    }

    public func insertKey(_ key: APIKeyRecord, audit: AuditEntry) async throws {
        try await insert(key, under: App.self, id: key.appId, kind: "app", audit: audit)
    }

    /// Inserts a record whose parent (`Parent` with `id`) must exist, with its audit entry, in one transaction.
    private func insert<Parent: TableRecord>(_ record: some PersistableRecord & Sendable, under parent: Parent.Type, id: String,
                                             kind: String, audit: AuditEntry) async throws {
        try await pool.write { db in
            guard try Parent.exists(db, key: id) else { throw StoreError.notFound(kind: kind, id: id) }
            try record.insert(db)
            try Self.recordChange(db, audit)
        }
    }

    public func key(id: String) async throws -> APIKeyRecord? {
        try await pool.read { db in try APIKeyRecord.fetchOne(db, key: id) }
    }

    public func keys(appId: String?) async throws -> [APIKeyRecord] {
        try await list(APIKeyRecord.self, where: "app_id", is: appId)
    }

    /// Rows oldest first, all of them or those whose `column` equals `value`.
    private func list<R: FetchableRecord & TableRecord & Sendable>(_ type: R.Type, where column: String, is value: String?) async throws -> [R] {
        try await pool.read { db in
            var request = R.order(Column("created_at"), Column("id"))
            if let value { request = request.filter(Column(column) == value) }
            return try request.fetchAll(db)
        }
    }

    public func revokeKey(id: String, at: Date, audit: AuditEntry) async throws {
        try await pool.write { db in
            guard var key = try APIKeyRecord.fetchOne(db, key: id) else { throw StoreError.notFound(kind: "key", id: id) }
            guard key.revokedAt == nil else { throw StoreError.conflict("key '\(id)' is already revoked") }
            key.revokedAt = at
            try key.update(db)
            try Self.recordChange(db, audit)
        }
    }

    public func updateOrg(_ org: Org, audit: AuditEntry) async throws {
        try await update(org, kind: "org", id: org.id, audit: audit)
    }

    public func updateApp(_ app: App, audit: AuditEntry) async throws {
        try await update(app, kind: "app", id: app.id, audit: audit)
    }

    private func update(_ record: some PersistableRecord & Sendable, kind: String, id: String, audit: AuditEntry) async throws {
        try await pool.write { db in
            guard try record.exists(db) else { throw StoreError.notFound(kind: kind, id: id) }
            try record.update(db)
            try Self.recordChange(db, audit)
        }
    }

    public func tenantGeneration() async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'tenant_generation'") ?? 0
        }
    }

    /// Writes the audit entry and moves the tenant generation, inside the caller's transaction.
    private static func recordChange(_ db: Database, _ audit: AuditEntry) throws {
        try audit.insert(db)
        try db.execute(sql: "UPDATE meta SET value = value + 1 WHERE name = 'tenant_generation'")
    }

    // MARK: Limits

    public func insertLimitOverride(_ override: LimitOverrideRecord, audit: AuditEntry) async throws {
        try await pool.write { db in
            try override.insert(db)
            try Self.recordChange(db, audit)
        }
    }

    public func deleteLimitOverride(id: String, audit: AuditEntry) async throws {
        try await pool.write { db in
            guard try LimitOverrideRecord.deleteOne(db, key: id) else { throw StoreError.notFound(kind: "limit override", id: id) }
            try Self.recordChange(db, audit)
        }
    }

    public func limitOverride(id: String) async throws -> LimitOverrideRecord? {
        try await pool.read { db in try LimitOverrideRecord.fetchOne(db, key: id) }
    }

    public func limitOverrides() async throws -> [LimitOverrideRecord] {
        try await list(LimitOverrideRecord.self, where: "id", is: nil)
    }

    public func usageTotals(since: Date) async throws -> [UsageTotal] {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT org_id, app_id, key_id,
                       SUM(COALESCE(prompt_tokens, 0) + COALESCE(completion_tokens, 0)) AS tokens,
                       SUM(COALESCE(cost_micros, 0)) AS cost
                FROM usage_records
                WHERE time >= ? AND key_id IS NOT NULL
                GROUP BY org_id, app_id, key_id
                """, arguments: [since])
            return rows.map { UsageTotal(orgId: $0["org_id"], appId: $0["app_id"], keyId: $0["key_id"], tokens: $0["tokens"], costMicros: $0["cost"]) }
        }
    }

    // MARK: Policies

    public func insertPolicyVersion(_ version: PolicyVersionRecord, audit: AuditEntry) async throws -> PolicyVersionRecord {
        try await pool.write { db in
            var stored = version
            let last = try Int.fetchOne(db, sql: "SELECT MAX(number) FROM policy_versions WHERE scope = ?", arguments: [version.scope]) ?? 0
            stored.number = last + 1
            try stored.insert(db)
            try Self.recordChange(db, audit)
            return stored
        }
    }

    public func policyVersions(scope: String) async throws -> [PolicyVersionRecord] {
        try await pool.read { db in
            try PolicyVersionRecord.filter(Column("scope") == scope).order(Column("number")).fetchAll(db)
        }
    }

    public func latestAppPolicies() async throws -> [PolicyVersionRecord] {
        try await pool.read { db in
            try PolicyVersionRecord.fetchAll(db, sql: """
                SELECT v.* FROM policy_versions v
                JOIN (SELECT scope, MAX(number) AS number FROM policy_versions WHERE scope != 'platform' GROUP BY scope) latest
                  ON v.scope = latest.scope AND v.number = latest.number
                """)
        }
    }

    // MARK: Feedback

    public func insertFeedback(_ feedback: FeedbackRecord) async throws {
        try await pool.write { db in try feedback.insert(db) }
    }

    public func feedback(appId: String?, limit: Int) async throws -> [FeedbackRecord] {
        try await pool.read { db in
            var request = FeedbackRecord.order(Column("time").desc, Column("rowid").desc)
            if let appId { request = request.filter(Column("app_id") == appId) }
            return try request.limit(limit).fetchAll(db)
        }
    }

    public func usageRecord(id: String) async throws -> UsageRecord? {
        try await pool.read { db in try UsageRecord.fetchOne(db, key: id) }
    }

    // MARK: Events

    public func insertEvents(_ events: [EventRecord]) async throws {
        guard !events.isEmpty else { return }
        try await batchThread.run { [pool] in
            try pool.write { db in
                for event in events { try event.insert(db) }
            }
        }
    }

    public func events(kind: String?, limit: Int) async throws -> [EventRecord] {
        try await pool.read { db in
            var request = EventRecord.order(Column("time").desc, Column("rowid").desc)
            if let kind { request = request.filter(Column("kind") == kind) }
            return try request.limit(limit).fetchAll(db)
        }
    }

    // MARK: Audit

    public func auditEntries(limit: Int) async throws -> [AuditEntry] {
        try await pool.read { db in
            try AuditEntry.order(Column("time").desc, Column("rowid").desc).limit(limit).fetchAll(db)
        }
    }

    // MARK: Usage

    public func insertUsage(_ records: [UsageRecord]) async throws {
        guard !records.isEmpty else { return }
        try await batchThread.run { [pool] in try pool.write { db in try Self.insertUsage(records, db) } }
    }

    /// One cached statement with positional arguments: several times cheaper than Codable inserts.
    private static func insertUsage(_ records: [UsageRecord], _ db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO usage_records (id, time, endpoint, org_id, app_id, key_id, end_user, model, upstream,
              stream, prompt_tokens, completion_tokens, tokens_estimated, first_byte_ms, total_ms, status, error_code,
              prompt_text, completion_text, cost_micros, policy_version, policy_action, policy_decision)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for r in records {
            let values: [(any DatabaseValueConvertible)?] = [
                r.id, r.time, r.endpoint, r.orgId, r.appId, r.keyId, r.endUser, r.model, r.upstream,
                r.stream, r.promptTokens, r.completionTokens, r.tokensEstimated, r.firstByteMs, r.totalMs, r.status,
                r.errorCode, r.promptText, r.completionText, r.costMicros, r.policyVersion, r.policyAction, r.policyDecision,
            ]
            try statement.execute(arguments: StatementArguments(values))
        }
    }

    public func usage(limit: Int) async throws -> [UsageRecord] {
        try await pool.read { db in
            try UsageRecord.order(Column("time").desc, Column("rowid").desc).limit(limit).fetchAll(db)
        }
    }

    public func usageCount() async throws -> Int {
        try await pool.read { db in try UsageRecord.fetchCount(db) }
    }

    public func purgeText(olderThan cutoff: Date) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: """
                UPDATE usage_records SET prompt_text = NULL, completion_text = NULL
                WHERE time < ? AND (prompt_text IS NOT NULL OR completion_text IS NOT NULL)
                """,
                arguments: [cutoff])
            return db.changesCount
        }
    }

    public func ping() async throws {
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }
}

/// The schema, as an ordered list of migrations. Never edit a shipped migration: add one.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1_tenants_usage_audit") { db in
            try db.create(table: "meta") { t in
                t.primaryKey("name", .text)
                t.column("value", .integer).notNull()
            }
            try db.execute(sql: "INSERT INTO meta (name, value) VALUES ('tenant_generation', 0)")
            try db.create(table: "orgs") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("created_at", .datetime).notNull()
            }
            try db.create(table: "apps") { t in
                t.primaryKey("id", .text)
                t.column("org_id", .text).notNull().references("orgs").indexed()
                t.column("name", .text).notNull()
                t.column("created_at", .datetime).notNull()
            }
            try db.create(table: "api_keys") { t in
                t.primaryKey("id", .text)
                t.column("app_id", .text).notNull().references("apps").indexed()
                t.column("org_id", .text).notNull().references("orgs")
                t.column("name", .text).notNull()
                t.column("prefix", .text).notNull().indexed()
                t.column("hash", .text).notNull().unique()
                t.column("created_at", .datetime).notNull()
                t.column("revoked_at", .datetime)
            }
            try db.create(table: "audit_log") { t in
                t.primaryKey("id", .text)
                t.column("time", .datetime).notNull().indexed()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()
                t.column("target_type", .text).notNull()
                t.column("target_id", .text).notNull()
                t.column("before", .text)
                t.column("after", .text)
            }
            try db.create(table: "usage_records") { t in
                t.primaryKey("id", .text)
                t.column("time", .datetime).notNull().indexed()
                t.column("endpoint", .text).notNull()
                t.column("org_id", .text)
                t.column("app_id", .text)
                t.column("key_id", .text)
                t.column("end_user", .text)
                t.column("model", .text)
                t.column("upstream", .text)
                t.column("stream", .boolean).notNull()
                t.column("prompt_tokens", .integer)
                t.column("completion_tokens", .integer)
                t.column("tokens_estimated", .boolean).notNull()
                t.column("first_byte_ms", .double)
                t.column("total_ms", .double).notNull()
                t.column("status", .integer).notNull()
                t.column("error_code", .text)
                t.column("prompt_text", .text)
                t.column("completion_text", .text)
            }
            try db.create(index: "usage_records_org_time", on: "usage_records", columns: ["org_id", "time"])
            try db.create(index: "usage_records_app_time", on: "usage_records", columns: ["app_id", "time"])
        }
        migrator.registerMigration("v2_limits_events") { db in
            try db.alter(table: "orgs") { t in
                t.add(column: "tier", .text)
                t.add(column: "budget_mode", .text)
            }
            try db.alter(table: "apps") { t in t.add(column: "tier", .text) }
            try db.alter(table: "usage_records") { t in t.add(column: "cost_micros", .integer) }
            try db.create(table: "limit_overrides") { t in
                t.primaryKey("id", .text)
                t.column("level", .text).notNull()
                t.column("target_id", .text).notNull().indexed()
                t.column("limits", .text).notNull()
                t.column("expires_at", .datetime)
                t.column("reason", .text).notNull()
                t.column("created_by", .text).notNull()
                t.column("created_at", .datetime).notNull()
            }
            try db.create(table: "events") { t in
                t.primaryKey("id", .text)
                t.column("time", .datetime).notNull().indexed()
                t.column("kind", .text).notNull().indexed()
                t.column("org_id", .text)
                t.column("app_id", .text)
                t.column("key_id", .text)
                t.column("payload", .text).notNull()
            }
        }
        migrator.registerMigration("v3_policy_feedback") { db in
            try db.alter(table: "usage_records") { t in
                t.add(column: "policy_version", .text)
                t.add(column: "policy_action", .text)
                t.add(column: "policy_decision", .text)
            }
            try db.create(table: "policy_versions") { t in
                t.primaryKey("id", .text)
                t.column("scope", .text).notNull()
                t.column("number", .integer).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("author", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("document", .text)
                t.column("changes", .text).notNull()
                t.uniqueKey(["scope", "number"])
            }
            try db.create(table: "feedback") { t in
                t.primaryKey("id", .text)
                t.column("time", .datetime).notNull().indexed()
                t.column("request_id", .text).notNull().indexed()
                t.column("kind", .text).notNull()
                t.column("comment", .text)
                t.column("org_id", .text).notNull()
                t.column("app_id", .text).notNull().indexed()
                t.column("key_id", .text).notNull()
                t.column("decision", .text)
            }
        }
        return migrator
    }
}
