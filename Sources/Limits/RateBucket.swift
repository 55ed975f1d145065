/// A per-minute rate limit as a generic cell rate algorithm (GCRA): one timestamp of state, the
/// "theoretical arrival time". A limit of `L` per minute lets a full minute's worth (`L`) through
/// at once and refills one unit every `60 s / L`. Costs are units (1 per request, or tokens).
/// Times are nanoseconds of a monotonic clock, passed in, so tests use a fake clock.
///
/// ```swift
/// var rpm = RateBucket(perMinute: 60)
/// rpm.take(1, now: 0)            // .allowed
/// rpm.remaining(now: 0)          // 59
/// ```
public struct RateBucket: Sendable, Equatable {
    public let limit: Int
    /// Nanoseconds to earn back one unit.
    public let interval: Int64
    /// When the bucket is full again; at or before `now` means full.
    public private(set) var fullAt: Int64

    public init(perMinute limit: Int, now: Int64 = .min) {
        precondition(limit > 0)
        self.limit = limit
        self.interval = max(1, 60_000_000_000 / Int64(limit))
        self.fullAt = now
    }

    /// The capacity window: a full bucket's worth of time.
    private var window: Int64 { interval * Int64(limit) }

    /// Whether `cost` units fit now; if not, nanoseconds until they will (`nil`: never, larger than the limit).
    public func wait(for cost: Int, now: Int64) -> Int64? {
        if cost > limit { return nil }
        let after = max(fullAt, now) + Int64(cost) * interval
        let excess = after - now - window
        return excess > 0 ? excess : 0
    }

    /// Takes `cost` units if they fit; returns whether they did.
    @discardableResult
    public mutating func take(_ cost: Int, now: Int64) -> Bool {
        guard wait(for: cost, now: now) == 0 else { return false }
        fullAt = max(fullAt, now) + Int64(cost) * interval
        return true
    }

    /// Gives back `units` taken earlier (a reservation larger than what was used), or takes more
    /// (negative `units`, a response larger than reserved) even past the limit: the debt delays
    /// later requests instead of being forgotten.
    public mutating func adjust(giveBack units: Int, now: Int64) {
        let moved = max(fullAt, now) - Int64(units) * interval
        fullAt = max(moved, now)
    }

    /// Whole units available now.
    public func remaining(now: Int64) -> Int {
        let used = max(0, fullAt - now)
        return max(0, Int((window - used) / interval))
    }

    /// Nanoseconds until the bucket is full again (OpenAI's `x-ratelimit-reset-*`).
    public func resetIn(now: Int64) -> Int64 { max(0, fullAt - now) }
}
