import Foundation
import Policy
import Store

/// Apps' policy customizations in the store, for everything that reads or changes them (the
/// policy book, the admin API, `warden policy`): one way to decode a stored version, to store a
/// new one with its changelog, and to resolve an app's effective policy.
///
/// ```swift
/// let version = try await AppPolicies.set(policy, appId: "app_…", reason: "fiction app", actor: "cli:ana", directory: directory)
/// let effective = try await AppPolicies.effective(appId: "app_…", platform: platform, store: store)
/// ```
public enum AppPolicies {
    /// The customization of a stored version (`nil`: none, or a reset to the platform defaults).
    /// Stored documents are read without validation: an app saved under looser bounds still loads
    /// after the platform tightened them, and resolution clamps it.
    public static func decode(_ record: PolicyVersionRecord?) -> AppPolicy? {
        record?.document.flatMap { try? JSONDecoder().decode(AppPolicy.self, from: Data($0.utf8)) }
    }

    /// Stores the next version of an app's customization (`nil`: back to the platform defaults),
    /// with the change lines from the previous version, audited.
    public static func set(_ policy: AppPolicy?, appId: String, reason: String, actor: String,
                           directory: TenantDirectory) async throws -> PolicyVersionRecord {
        let previous = decode(try await directory.store.policyVersions(scope: appId).last)
        let changes = policy.map { PolicyChangelog.changes(from: previous, to: $0) } ?? ["customization removed: platform defaults apply"]
        return try await directory.setAppPolicy(appId: appId, document: policy.map(PolicyDocument.json), changes: changes,
                                                reason: reason, actor: actor)
    }

    /// An app's effective policy under the platform's latest published version.
    public static func effective(appId: String, platform: PlatformPolicy, store: any WardenStore) async throws -> EffectivePolicy {
        let platformVersion = try await store.policyVersions(scope: PolicyVersionRecord.platformScope).last?.number ?? 0
        let latest = try await store.policyVersions(scope: appId).last
        let app = decode(latest)
        return PolicyResolver.resolve(bounds: platform.bounds, defaults: platform.defaults, app: app,
                                      version: .init(platform: platformVersion, app: app == nil ? nil : latest?.number))
    }
}
