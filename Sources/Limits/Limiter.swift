/// Why a request was refused by its limits.
public enum LimitRejection: Sendable, Equatable, Error {
    /// Requests per minute: retry after the given nanoseconds.
    case requests(LimitScope, limit: Int, retryAfterNanos: Int64)
    /// Tokens per minute; `retryAfterNanos == nil` when the request alone is larger than the limit.
    case tokens(LimitScope, limit: Int, requested: Int, retryAfterNanos: Int64?)
    /// Concurrent requests.
    case concurrency(LimitScope, limit: Int)
    /// A budget is used up (hard mode).
    case budget(LimitScope, BudgetKind, limit: Int64, used: Int64, resetsAtUnixSeconds: Int64)

    /// How long to wait before retrying, when waiting helps.
    public var retryAfterNanos: Int64? {
        switch self {
        case .requests(_, _, let wait): return wait
        case .tokens(_, _, _, let wait): return wait
        case .concurrency: return 1_000_000_000
        case .budget: return nil
        }
    }
}

/// What the `x-ratelimit-*` headers say: the tightest request and token limits among the scopes.
public struct RateLimitStatus: Sendable, Equatable {
    public var requests: Window?
    public var tokens: Window?

    public struct Window: Sendable, Equatable {
        public var limit: Int
        public var remaining: Int
        public var resetNanos: Int64
    }
}

/// A budget reaching a configured fraction of its limit (an event for monitors and webhooks).
public struct BudgetAlert: Sendable, Equatable {
    public var scope: LimitScope
    public var kind: BudgetKind
    public var fraction: Double
    public var used: Int64
    public var limit: Int64
    public var mode: BudgetMode
}

/// Proof of admission: what was reserved where, given back by `finish`.
public struct LimitTicket: Sendable, Equatable {
    public var scopes: [ScopedLimits]
    public var demand: LimitDemand
    /// Where each scope's counters live in the state (no lookups on finish).
    var slots: [Int]
}

/// The result of asking to run a request.
public enum LimitAdmission: Sendable, Equatable {
    case admitted(LimitTicket, RateLimitStatus)
    case rejected(LimitRejection, RateLimitStatus)
}

/// The counters of one scope.
struct ScopeCounters: Sendable {
    var requests: RateBucket?
    var tokens: RateBucket?
    var running = 0
    var budget: BudgetUsage?
}

/// All limit state of a gateway process, as a value: rate buckets, concurrency counts and budget
/// counters per scope. Pure: the clock is an argument, nothing is read or written elsewhere. The
/// gateway holds one behind a lock. A check costs one hash lookup per scope; finishing none.
///
/// ```swift
/// var state = LimiterState(alertFractions: [0.5, 0.8, 1.0])
/// let scopes = [ScopedLimits(scope: .org("org_1"), limits: LimitSet(requestsPerMinute: 60))]
/// switch state.admit(scopes, demand: LimitDemand(tokens: 300), at: clock) {
/// case .admitted(let ticket, let status): …; state.finish(ticket, tokens: 212, spendMicros: 0, at: later)
/// case .rejected(let why, let status): …   // 429
/// }
/// ```
public struct LimiterState: Sendable {
    public let alertFractions: [Double]
    private var slotOf: [LimitScope: Int] = [:]
    private var counters: [ScopeCounters] = []

    public init(alertFractions: [Double] = [0.5, 0.8, 1.0]) {
        self.alertFractions = alertFractions.sorted()
    }

    /// Checks every scope, and only if all allow it takes a request, the demanded tokens, a
    /// concurrency slot and a budget reservation at each. Budget refusals come first (waiting
    /// does not help), then concurrency, then the longest rate wait.
    public mutating func admit(_ scopes: [ScopedLimits], demand: LimitDemand, at clock: LimitClock) -> LimitAdmission {
        let slots = scopes.map { slot(for: $0.scope) }
        if let refusal = firstRefusal(scopes, slots, demand: demand, at: clock) {
            return .rejected(refusal, status(scopes, slots, at: clock.nanos))
        }
        for (scoped, slot) in zip(scopes, slots) {
            take(scoped, &counters[slot], demand: demand, at: clock)
        }
        return .admitted(LimitTicket(scopes: scopes, demand: demand, slots: slots), status(scopes, slots, at: clock.nanos))
    }

    /// Ends an admitted request: gives back the concurrency slot, replaces the reservation with
    /// what was really used (tokens per minute and budgets), and returns the budget alerts crossed.
    public mutating func finish(_ ticket: LimitTicket, tokens: Int, spendMicros: Int64, at clock: LimitClock) -> [BudgetAlert] {
        var alerts: [BudgetAlert] = []
        for (scoped, slot) in zip(ticket.scopes, ticket.slots) {
            let limits = scoped.limits
            if limits.concurrentRequests != nil { counters[slot].running = max(0, counters[slot].running - 1) }
            if limits.tokensPerMinute != nil { counters[slot].tokens?.adjust(giveBack: ticket.demand.tokens - tokens, now: clock.nanos) }
            if limits.hasBudget {
                var usage = counters[slot].budget ?? BudgetUsage(period: clock.period)
                var before = usage
                before.roll(to: clock.period)
                usage.commit(reserved: (ticket.demand.tokens, ticket.demand.spendMicros), actual: (tokens, spendMicros), period: clock.period)
                counters[slot].budget = usage
                crossings(scoped, from: before, to: usage, into: &alerts)
            }
        }
        return alerts
    }

    /// The usage counted so far at a scope (zero when none), rolled to the clock's period.
    public func usage(_ scope: LimitScope, at clock: LimitClock) -> BudgetUsage {
        var usage = slotOf[scope].flatMap { counters[$0].budget } ?? BudgetUsage(period: clock.period)
        usage.roll(to: clock.period)
        return usage
    }

    /// Requests in flight at a scope.
    public func inFlight(_ scope: LimitScope) -> Int { slotOf[scope].map { counters[$0].running } ?? 0 }

    /// Adds usage recovered from the store after a restart (the current day's and month's totals).
    public mutating func seed(_ scope: LimitScope, dayTokens: Int, monthTokens: Int, monthSpendMicros: Int64, at clock: LimitClock) {
        let slot = slot(for: scope)
        var usage = counters[slot].budget ?? BudgetUsage(period: clock.period)
        usage.roll(to: clock.period)
        usage.seed(dayTokens: dayTokens, monthTokens: monthTokens, monthSpendMicros: monthSpendMicros)
        counters[slot].budget = usage
    }

    /// Rate headers for these scopes now, without taking anything.
    public func status(_ scopes: [ScopedLimits], at now: Int64) -> RateLimitStatus {
        var status = RateLimitStatus()
        for scoped in scopes {
            let current = slotOf[scoped.scope].map { counters[$0] }
            note(scoped, current, at: now, into: &status)
        }
        return status
    }

    // MARK: - Steps

    private mutating func slot(for scope: LimitScope) -> Int {
        if let slot = slotOf[scope] { return slot }
        counters.append(ScopeCounters())
        slotOf[scope] = counters.count - 1
        return counters.count - 1
    }

    private func status(_ scopes: [ScopedLimits], _ slots: [Int], at now: Int64) -> RateLimitStatus {
        var status = RateLimitStatus()
        for (scoped, slot) in zip(scopes, slots) { note(scoped, counters[slot], at: now, into: &status) }
        return status
    }

    private func note(_ scoped: ScopedLimits, _ current: ScopeCounters?, at now: Int64, into status: inout RateLimitStatus) {
        if let limit = scoped.limits.requestsPerMinute {
            status.requests = tighter(status.requests, Self.bucket(current?.requests, limit: limit, now: now), now: now)
        }
        if let limit = scoped.limits.tokensPerMinute {
            status.tokens = tighter(status.tokens, Self.bucket(current?.tokens, limit: limit, now: now), now: now)
        }
    }

    private func firstRefusal(_ scopes: [ScopedLimits], _ slots: [Int], demand: LimitDemand, at clock: LimitClock) -> LimitRejection? {
        var rate: LimitRejection?
        var concurrency: LimitRejection?
        for (scoped, slot) in zip(scopes, slots) {
            let scope = scoped.scope, limits = scoped.limits, current = counters[slot]
            if scoped.budgetMode == .hard, limits.hasBudget, let refusal = budgetRefusal(scoped, current.budget, demand: demand, at: clock) {
                return refusal
            }
            if let max = limits.concurrentRequests, current.running >= max, concurrency == nil {
                concurrency = .concurrency(scope, limit: max)
            }
            if let limit = limits.requestsPerMinute {
                let wait = Self.bucket(current.requests, limit: limit, now: clock.nanos).wait(for: 1, now: clock.nanos) ?? 0
                if wait > 0, wait > (rate?.retryAfterNanos ?? 0) { rate = .requests(scope, limit: limit, retryAfterNanos: wait) }
            }
            if let limit = limits.tokensPerMinute {
                let wait = Self.bucket(current.tokens, limit: limit, now: clock.nanos).wait(for: demand.tokens, now: clock.nanos)
                guard let wait else { return .tokens(scope, limit: limit, requested: demand.tokens, retryAfterNanos: nil) }
                if wait > 0, wait > (rate?.retryAfterNanos ?? 0) {
                    rate = .tokens(scope, limit: limit, requested: demand.tokens, retryAfterNanos: wait)
                }
            }
        }
        return concurrency ?? rate
    }

    private func budgetRefusal(_ scoped: ScopedLimits, _ budget: BudgetUsage?, demand: LimitDemand, at clock: LimitClock) -> LimitRejection? {
        var usage = budget ?? BudgetUsage(period: clock.period)
        usage.roll(to: clock.period)
        let period = clock.period, limits = scoped.limits
        func over(_ kind: BudgetKind, _ limit: Int64?, _ asked: Int64, resets: Int64) -> LimitRejection? {
            guard let limit, usage.committed(kind, includingInflight: true) + asked > limit else { return nil }
            return .budget(scoped.scope, kind, limit: limit, used: usage.committed(kind, includingInflight: false), resetsAtUnixSeconds: resets)
        }
        return over(.dailyTokens, limits.dailyTokens.map(Int64.init), Int64(demand.tokens), resets: period.nextDayStartUnixSeconds)
            ?? over(.monthlyTokens, limits.monthlyTokens.map(Int64.init), Int64(demand.tokens), resets: period.nextMonthStartUnixSeconds)
            ?? over(.monthlySpend, limits.monthlySpendMicros, demand.spendMicros, resets: period.nextMonthStartUnixSeconds)
    }

    private func take(_ scoped: ScopedLimits, _ current: inout ScopeCounters, demand: LimitDemand, at clock: LimitClock) {
        let limits = scoped.limits
        if let limit = limits.requestsPerMinute {
            var bucket = Self.bucket(current.requests, limit: limit, now: clock.nanos)
            bucket.take(1, now: clock.nanos)
            current.requests = bucket
        }
        if let limit = limits.tokensPerMinute {
            var bucket = Self.bucket(current.tokens, limit: limit, now: clock.nanos)
            bucket.take(demand.tokens, now: clock.nanos)
            current.tokens = bucket
        }
        if limits.concurrentRequests != nil { current.running += 1 }
        if limits.hasBudget {
            var usage = current.budget ?? BudgetUsage(period: clock.period)
            usage.reserve(tokens: demand.tokens, spend: demand.spendMicros, period: clock.period)
            current.budget = usage
        }
    }

    /// The bucket for a limit: a full one when there is none, or one rebuilt keeping the
    /// fraction already used when the limit changed (a tier change).
    private static func bucket(_ existing: RateBucket?, limit: Int, now: Int64) -> RateBucket {
        if let existing, existing.limit == limit { return existing }
        var fresh = RateBucket(perMinute: limit, now: now)
        if let old = existing {
            let usedFraction = Double(old.resetIn(now: now)) / Double(old.interval * Int64(old.limit))
            fresh.adjust(giveBack: -Int((usedFraction * Double(limit)).rounded()), now: now)
        }
        return fresh
    }

    private func tighter(_ current: RateLimitStatus.Window?, _ bucket: RateBucket, now: Int64) -> RateLimitStatus.Window {
        let candidate = RateLimitStatus.Window(limit: bucket.limit, remaining: bucket.remaining(now: now), resetNanos: bucket.resetIn(now: now))
        guard let current else { return candidate }
        if candidate.remaining != current.remaining { return candidate.remaining < current.remaining ? candidate : current }
        return candidate.resetNanos > current.resetNanos ? candidate : current
    }

    /// Alerts for the fractions a commit moved past, each once: a fraction crossed before (or
    /// recovered after a restart) is not announced again.
    private func crossings(_ scoped: ScopedLimits, from before: BudgetUsage, to after: BudgetUsage, into alerts: inout [BudgetAlert]) {
        func check(_ kind: BudgetKind, _ limit: Int64?) {
            guard let limit else { return }
            let was = before.committed(kind, includingInflight: false), now = after.committed(kind, includingInflight: false)
            guard now > was else { return }
            for fraction in alertFractions {
                let mark = Double(limit) * fraction
                if Double(was) < mark, Double(now) >= mark {
                    alerts.append(BudgetAlert(scope: scoped.scope, kind: kind, fraction: fraction, used: now, limit: limit, mode: scoped.budgetMode))
                }
            }
        }
        check(.dailyTokens, scoped.limits.dailyTokens.map(Int64.init))
        check(.monthlyTokens, scoped.limits.monthlyTokens.map(Int64.init))
        check(.monthlySpend, scoped.limits.monthlySpendMicros)
    }
}
