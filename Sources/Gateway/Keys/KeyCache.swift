import Foundation
import Logging
import ServiceLifecycle
import Store
import Synchronization
import WardenCore

/// The API keys, held in memory so authentication never waits on the store. Keys are found by
/// their displayable prefix and checked by comparing hashes in constant time.
///
/// ```swift
/// let cache = KeyCache(hasher: hasher)
/// cache.replace(with: try await store.keys(appId: nil))
/// switch cache.authenticate("wdn-…") { case .success(let p): … case .failure(let why): … }
/// ```
public final class KeyCache: Sendable {
    public enum Rejection: Error, Equatable {
        case malformed, unknown, revoked
    }

    private let hasher: APIKeyHasher
    private let byPrefix = Mutex<[String: [APIKeyRecord]]>([:])

    public init(hasher: APIKeyHasher) { self.hasher = hasher }

    public func replace(with keys: [APIKeyRecord]) {
        let table = Dictionary(grouping: keys, by: \.prefix)
        byPrefix.withLock { $0 = table }
    }

    public var count: Int { byPrefix.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    public func authenticate(_ key: String) -> Result<Principal, Rejection> {
        guard let prefix = APIKeyHasher.displayPrefix(of: key) else { return .failure(.malformed) }
        let candidates = byPrefix.withLock { $0[prefix] ?? [] }
        for record in candidates where hasher.verify(key, againstHash: record.hash) {
            if record.isRevoked { return .failure(.revoked) }
            return .success(Principal(orgId: record.orgId, appId: record.appId, keyId: record.id))
        }
        return .failure(.unknown)
    }
}

/// A cache of tenant data held in memory for the hot path and reloaded from the store when the
/// tenant generation moves (or when the cache itself says it went stale, e.g. an override expired).
public protocol TenantCache: Sendable {
    func reload(from store: any WardenStore) async throws
    /// Whether the cache must reload even though the store did not change.
    var isStale: Bool { get }
}

extension TenantCache {
    public var isStale: Bool { false }
}

extension KeyCache: TenantCache {
    public func reload(from store: any WardenStore) async throws {
        replace(with: try await store.keys(appId: nil))
    }
}

/// Keeps the tenant caches (keys, limits) in step with the store: reloads them whenever the
/// store's tenant generation moves (a key created or revoked, a tier changed, by the admin API or
/// by the CLI in another process), and any cache that reports itself stale.
///
/// ```swift
/// let refresher = TenantRefresher(caches: [keys, limits], store: store, interval: .seconds(1), logger: logger)
/// try await refresher.refresh(force: true)     // before serving; then run it as a Service
/// ```
public final class TenantRefresher: Service, Sendable {
    let caches: [any TenantCache]
    let store: any WardenStore
    let interval: Duration
    let logger: Logger
    private let seen = Mutex<Int>(-1)

    public init(caches: [any TenantCache], store: any WardenStore, interval: Duration, logger: Logger) {
        self.caches = caches
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    /// Reloads the caches if the store changed since the last look (or always, with `force`).
    public func refresh(force: Bool = false) async throws {
        let generation = try await store.tenantGeneration()
        let changed = force || generation != seen.withLock({ $0 })
        for cache in caches where changed || cache.isStale {
            try await cache.reload(from: store)
        }
        if changed {
            seen.withLock { $0 = generation }
            logger.debug("tenant caches reloaded", metadata: ["generation": "\(generation)"])
        }
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do { try await refresh() } catch { logger.error("tenant cache refresh failed", metadata: ["error": "\(error)"]) }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }
}
