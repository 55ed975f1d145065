import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Writes usage records behind the request path (see `BatchWriter`).
///
/// ```swift
/// let writer = UsageWriter(store: store, interval: .seconds(1), logger: logger)
/// writer.submit(record)
/// ```
public typealias UsageWriter = BatchWriter<UsageRecord>

/// Writes events (budget alerts, …) behind the request path (see `BatchWriter`).
public typealias EventWriter = BatchWriter<EventRecord>

extension BatchWriter where Item == UsageRecord {
    public convenience init(store: any WardenStore, interval: Duration = .milliseconds(1000), batchSize: Int = 1000,
                            maxBuffered: Int = 1_000_000, logger: Logger) {
        self.init(name: "usage writer", interval: interval, batchSize: batchSize, maxBuffered: maxBuffered, logger: logger) {
            try await store.insertUsage($0)
        }
    }
}

extension BatchWriter where Item == EventRecord {
    public convenience init(store: any WardenStore, interval: Duration = .milliseconds(1000), logger: Logger) {
        self.init(name: "event writer", interval: interval, batchSize: 500, maxBuffered: 100_000, logger: logger) {
            try await store.insertEvents($0)
        }
    }
}

/// Writes items to the store behind the request path. `submit` only appends to an in-memory
/// buffer (a lock and an append, no I/O); the service's loop writes the buffer in batches every
/// `interval`, and on graceful shutdown writes everything left before it returns.
/// A failed write keeps the items and retries them on the next turn.
///
/// ```swift
/// let writer = BatchWriter<UsageRecord>(name: "usage writer", logger: logger) { try await store.insertUsage($0) }
/// // add `writer` to the service group before the HTTP server, so it stops after it
/// writer.submit(record)
/// ```
public final class BatchWriter<Item: Sendable>: Service, Sendable {
    private let name: String
    private let write: @Sendable ([Item]) async throws -> Void
    private let interval: Duration
    private let batchSize: Int
    private let maxBuffered: Int
    private let logger: Logger
    private let buffer = Mutex<[Item]>([])
    private let dropped = Atomic<Int>(0)

    public init(name: String, interval: Duration = .milliseconds(1000), batchSize: Int = 1000,
                maxBuffered: Int = 1_000_000, logger: Logger, write: @escaping @Sendable ([Item]) async throws -> Void) {
        self.name = name
        self.write = write
        self.interval = interval
        self.batchSize = batchSize
        self.maxBuffered = maxBuffered
        self.logger = logger
    }

    /// Queues an item for writing. Never blocks on the store.
    public func submit(_ record: Item) {
        let accepted = buffer.withLock { records -> Bool in
            guard records.count < maxBuffered else { return false }
            records.append(record)
            return true
        }
        if !accepted { dropped.add(1, ordering: .relaxed) }
    }

    /// Records waiting to be written.
    public var pending: Int { buffer.withLock { $0.count } }

    /// Records refused because the buffer was full (the store was failing for a long time).
    public var droppedCount: Int { dropped.load(ordering: .relaxed) }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            await flush()
        }
        await flush()
        logger.info("\(name) stopped", metadata: ["pending": "\(pending)", "dropped": "\(droppedCount)"])
    }

    /// Writes everything buffered now, in batches. The buffer is taken whole (one swap under the
    /// lock); if a batch fails, it and the batches after it go back to the front of the buffer.
    public func flush() async {
        let records = buffer.withLock { records -> [Item] in
            defer { records = [] }
            return records
        }
        var start = 0
        while start < records.count {
            let end = min(start + batchSize, records.count)
            do {
                try await write(Array(records[start..<end]))
            } catch {
                logger.error("\(name): write failed; will retry", metadata: ["error": "\(error)", "records": "\(records.count - start)"])
                buffer.withLock { $0.insert(contentsOf: records[start...], at: 0) }
                return
            }
            start = end
        }
    }
}

/// Clears stored prompt and completion text older than the retention period, hourly and at start.
///
/// ```swift
/// let purger = RetentionPurger(store: store, retentionDays: 30, logger: logger)
/// ```
public struct RetentionPurger: Service {
    let store: any WardenStore
    let retentionDays: Int
    let interval: Duration
    let logger: Logger

    public init(store: any WardenStore, retentionDays: Int, interval: Duration = .seconds(3600), logger: Logger) {
        self.store = store
        self.retentionDays = retentionDays
        self.interval = interval
        self.logger = logger
    }

    /// One purge pass; returns the number of records whose text was cleared.
    @discardableResult
    public func purgeOnce(now: Date = Date()) async throws -> Int {
        let cutoff = now.addingTimeInterval(-Double(retentionDays) * 86_400)
        return try await store.purgeText(olderThan: cutoff)
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let n = try await purgeOnce()
                if n > 0 { logger.info("purged stored text past retention", metadata: ["records": "\(n)", "days": "\(retentionDays)"]) }
            } catch {
                logger.error("retention purge failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
    }
}
