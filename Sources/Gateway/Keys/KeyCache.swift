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

/// Keeps the key cache in step with the store: reloads it whenever the store's tenant generation
/// moves (a key created or revoked by the admin API or by `warden keys` in another process).
public final class KeyCacheRefresher: Service, Sendable {
    let cache: KeyCache
    let store: any WardenStore
    let interval: Duration
    let logger: Logger
    private let seen = Mutex<Int>(-1)

    public init(cache: KeyCache, store: any WardenStore, interval: Duration, logger: Logger) {
        self.cache = cache
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    /// Reloads the keys if the store changed since the last look (or always, with `force`).
    public func refresh(force: Bool = false) async throws {
        let generation = try await store.tenantGeneration()
        guard force || generation != seen.withLock({ $0 }) else { return }
        let keys = try await store.keys(appId: nil)
        cache.replace(with: keys)
        seen.withLock { $0 = generation }
        logger.debug("key cache reloaded", metadata: ["keys": "\(keys.count)", "generation": "\(generation)"])
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do { try await refresh() } catch { logger.error("key cache refresh failed", metadata: ["error": "\(error)"]) }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }
}
