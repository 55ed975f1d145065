import Foundation

/// A bounded blocking FIFO shared by threads: `push` waits while full, `pop` waits while empty and
/// returns nil once the queue is closed and drained.
final class BlockingQueue<Element>: @unchecked Sendable {
    private var items: [Element] = []
    private var head = 0
    private let capacity: Int
    private var closed = false
    private let cond = NSCondition()

    init(capacity: Int) { self.capacity = capacity }

    /// False when the queue was closed (the item is dropped).
    @discardableResult func push(_ e: Element) -> Bool {
        cond.lock(); defer { cond.unlock() }
        while items.count - head >= capacity && !closed { cond.wait() }
        if closed { return false }
        items.append(e)
        cond.broadcast()
        return true
    }

    func pop() -> Element? {
        cond.lock(); defer { cond.unlock() }
        while items.count == head && !closed { cond.wait() }
        if items.count == head { return nil }
        let e = items[head]
        head += 1
        if head > 64 && head * 2 > items.count { items.removeFirst(head); head = 0 }
        cond.broadcast()
        return e
    }

    func close() {
        cond.lock(); closed = true; cond.broadcast(); cond.unlock()
    }
}

/// Results of batches by sequence number, handed to the single writer in order. The reader asks
/// `waitForRoom` before starting a batch, so at most `window` batches are in flight: memory stays
/// constant whatever the corpus size, even when one worker is slow.
final class OrderedResults<Result>: @unchecked Sendable {
    private var done: [Int: Result] = [:]
    private var nextToWrite: Int
    private var lastBatch: Int? = nil
    private var failure: Error? = nil
    private var cancelled = false
    private let window: Int
    private let cond = NSCondition()

    init(first: Int, window: Int) {
        nextToWrite = first
        self.window = window
    }

    func waitForRoom(_ seq: Int) -> Bool {
        cond.lock(); defer { cond.unlock() }
        while seq >= nextToWrite + window && !cancelled { cond.wait() }
        return !cancelled
    }

    func put(_ seq: Int, _ r: Result) {
        cond.lock(); done[seq] = r; cond.broadcast(); cond.unlock()
    }

    /// The reader saw the end: `count` batches in all (sequence numbers below `count`).
    func finish(count: Int) {
        cond.lock(); lastBatch = count; cond.broadcast(); cond.unlock()
    }

    func fail(_ e: Error) {
        cond.lock(); if failure == nil { failure = e }; cancelled = true; cond.broadcast(); cond.unlock()
    }

    func cancel() {
        cond.lock(); cancelled = true; cond.broadcast(); cond.unlock()
    }

    var isCancelled: Bool { cond.lock(); defer { cond.unlock() }; return cancelled }

    /// The next result in order; nil at the end. Throws the first failure of another thread.
    func next() throws -> Result? {
        cond.lock(); defer { cond.unlock() }
        while true {
            if let failure { throw failure }
            if let r = done.removeValue(forKey: nextToWrite) {
                nextToWrite += 1
                cond.broadcast()
                return r
            }
            if let lastBatch, nextToWrite >= lastBatch { return nil }
            if cancelled { return nil }
            cond.wait()
        }
    }
}
