import Foundation
import Logging
import Policy
import Store
import Synchronization
import WardenCore

/// The content policy of a running gateway: the platform policy (bounds and defaults, from
/// `policy.yaml` or the built-in standard) and every app's effective, compiled policy, held in
/// memory so screening never waits on the store. A `TenantCache`: app customizations changed by
/// the admin API or the CLI reload within `key_refresh_seconds`.
///
/// ```swift
/// let book = PolicyBook(platform: try config.policy!.platform(), source: "config/policy.yaml", logger: logger)
/// try await book.publishPlatform(to: store)     // a changed policy.yaml becomes a new version
/// book.policy(for: "app_…").screenInput(messages, classifier: classifier)
/// ```
public final class PolicyBook: TenantCache, Sendable {
    public let platform: PlatformPolicy
    let source: String
    let logger: Logger
    private let state = Mutex<(platformVersion: Int, byApp: [String: CompiledPolicy], fallback: CompiledPolicy?)>((0, [:], nil))

    public init(platform: PlatformPolicy, source: String, logger: Logger) {
        self.platform = platform
        self.source = source
        self.logger = logger
    }

    /// The compiled policy of an app (the platform's defaults when it has no customization).
    public func policy(for appId: String) -> CompiledPolicy {
        state.withLock { $0.byApp[appId] ?? $0.fallback } ?? Self.compile(platform, app: nil, version: .init(platform: 0))
    }

    public var platformVersion: Int { state.withLock { $0.platformVersion } }

    /// Records the configured platform policy as a new version when it differs from the last one
    /// stored (with its changelog), so `GET /policy` and every decision name the version in force.
    public func publishPlatform(to store: any WardenStore, directory: TenantDirectory) async throws {
        let versions = try await store.policyVersions(scope: PolicyVersionRecord.platformScope)
        let current = PolicyDocument.json(platform)
        if let last = versions.last, last.document == current { return }
        let previous = versions.last?.document.flatMap { try? JSONDecoder().decode(PlatformPolicy.self, from: Data($0.utf8)) }
        let changes = previous == nil ? ["first published version"] : PolicyChangelog.changes(from: previous, to: platform)
        let version = try await directory.recordPlatformPolicy(document: current, changes: changes, reason: "\(source) loaded at startup",
                                                               actor: "config:\(source)")
        logger.notice("platform policy published", metadata: ["version": "\(version.number)", "changes": "\(changes.count)"])
    }

    /// The platform's versions as the Policy module publishes them (for `GET /policy`).
    public func publishedVersions(from store: any WardenStore) async throws -> [PolicyVersion] {
        try await store.policyVersions(scope: PolicyVersionRecord.platformScope).compactMap { record in
            guard let json = record.document, let doc = try? JSONDecoder().decode(PlatformPolicy.self, from: Data(json.utf8)) else { return nil }
            return PolicyVersion(number: record.number, createdAt: record.createdAt, author: record.author, reason: record.reason, document: doc)
        }
    }

    // MARK: TenantCache

    public func reload(from store: any WardenStore) async throws {
        let platformVersion = try await store.policyVersions(scope: PolicyVersionRecord.platformScope).last?.number ?? 0
        var byApp: [String: CompiledPolicy] = [:]
        for record in try await store.latestAppPolicies() where record.document != nil {
            guard let app = AppPolicies.decode(record) else {
                logger.error("stored app policy does not decode; platform defaults apply", metadata: ["app": "\(record.scope)", "version": "\(record.number)"])
                continue
            }
            byApp[record.scope] = Self.compile(platform, app: app, version: .init(platform: platformVersion, app: record.number))
        }
        let fallback = Self.compile(platform, app: nil, version: .init(platform: platformVersion))
        state.withLock { $0 = (platformVersion, byApp, fallback) }
    }

    static func compile(_ platform: PlatformPolicy, app: AppPolicy?, version: PolicyVersionTag) -> CompiledPolicy {
        let effective = PolicyResolver.resolve(bounds: platform.bounds, defaults: platform.defaults, app: app, version: version)
        // Regexes were validated when the app policy was stored; one that no longer compiles drops the block lists.
        return (try? CompiledPolicy(effective)) ?? (try! CompiledPolicy(PolicyResolver.resolve(
            bounds: platform.bounds, defaults: platform.defaults,
            app: app.map { var a = $0; a.blockLists = .init(); return a }, version: version)))
    }
}
