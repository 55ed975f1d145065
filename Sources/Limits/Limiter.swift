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
}

/// The result of asking to run a request.
public enum LimitAdmission: Sendable, Equatable {
    case admitted(LimitTicket, RateLimitStatus)
    case rejected(LimitRejection, RateLimitStatus)
}

/// All limit state of a gateway process, as a value: rate buckets, concurrency counts and budget
/// counters per scope. Pure: the clock is an argument, nothing is read or written elsewhere. The
/// gateway holds one behind a lock.
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
    private var requestBuckets: [LimitScope: RateBucket] = [:]
    private var tokenBuckets: [LimitScope: RateBucket] = [:]
    private var running: [LimitScope: Int] = [:]
    private var budgets: [LimitScope: BudgetUsage] = [:]

    public init(alertFractions: [Double] = [0.5, 0.8, 1.0]) {
        self.alertFractions = alertFractions.sorted()
    }

    /// Checks every scope, and only if all allow it takes a request, the demanded tokens, a
    /// concurrency slot and a budget reservation at each. Budget refusals come first (waiting
    /// does not help), then concurrency, then the longest rate wait.
    public mutating func admit(_ scopes: [ScopedLimits], demand: LimitDemand, at clock: LimitClock) -> LimitAdmission {
        if let refusal = firstRefusal(scopes, demand: demand, at: clock) {
            return .rejected(refusal, status(scopes, at: clock.nanos))
        }
        for scoped in scopes {
            take(scoped, demand: demand, at: clock)
        }
        return .admitted(LimitTicket(scopes: scopes, demand: demand), status(scopes, at: clock.nanos))
    }

    /// Ends an admitted request: gives back the concurrency slot, replaces the reservation with
    /// what was really used (tokens per minute and budgets), and returns the budget alerts crossed.
    public mutating func finish(_ ticket: LimitTicket, tokens: Int, spendMicros: Int64, at clock: LimitClock) -> [BudgetAlert] {
        var alerts: [BudgetAlert] = []
        for scoped in ticket.scopes {
            let scope = scoped.scope
            if scoped.limits.concurrentRequests != nil, let n = running[scope] {
                running[scope] = n > 1 ? n - 1 : nil
            }
            if scoped.limits.tokensPerMinute != nil {
                tokenBuckets[scope]?.adjust(giveBack: ticket.demand.tokens - tokens, now: clock.nanos)
            }
            if scoped.limits.hasBudget {
                var usage = budgets[scope] ?? BudgetUsage(period: clock.period)
                let before = usage
                usage.commit(reserved: (ticket.demand.tokens, ticket.demand.spendMicros), actual: (tokens, spendMicros), period: clock.period)
                budgets[scope] = usage
                alerts += crossings(scoped, from: before, to: usage, period: clock.period)
            }
        }
        return alerts
    }

    /// The usage counted so far at a scope (zero when none), rolled to the clock's period.
    public func usage(_ scope: LimitScope, at clock: LimitClock) -> BudgetUsage {
        var usage = budgets[scope] ?? BudgetUsage(period: clock.period)
        usage.roll(to: clock.period)
        return usage
    }

    /// Requests in flight at a scope.
    public func inFlight(_ scope: LimitScope) -> Int { running[scope] ?? 0 }

    /// Adds usage recovered from the store after a restart (the current day's and month's totals).
    public mutating func seed(_ scope: LimitScope, dayTokens: Int, monthTokens: Int, monthSpendMicros: Int64, at clock: LimitClock) {
        var usage = budgets[scope] ?? BudgetUsage(period: clock.period)
        usage.roll(to: clock.period)
        usage.seed(dayTokens: dayTokens, monthTokens: monthTokens, monthSpendMicros: monthSpendMicros)
        budgets[scope] = usage
    }

    /// Rate headers for these scopes now, without taking anything.
    public func status(_ scopes: [ScopedLimits], at now: Int64) -> RateLimitStatus {
        var status = RateLimitStatus()
        for scoped in scopes {
            if let limit = scoped.limits.requestsPerMinute {
                let bucket = bucket(requestBuckets, scoped.scope, limit: limit, now: now)
                status.requests = tighter(status.requests, bucket, now: now)
            }
            if let limit = scoped.limits.tokensPerMinute {
                let bucket = bucket(tokenBuckets, scoped.scope, limit: limit, now: now)
                status.tokens = tighter(status.tokens, bucket, now: now)
            }
        }
        return status
    }

    // MARK: - Steps

    private func firstRefusal(_ scopes: [ScopedLimits], demand: LimitDemand, at clock: LimitClock) -> LimitRejection? {
        var rate: LimitRejection?
        var concurrency: LimitRejection?
        for scoped in scopes {
            let scope = scoped.scope, limits = scoped.limits
            if scoped.budgetMode == .hard, limits.hasBudget, let refusal = budgetRefusal(scoped, demand: demand, at: clock) {
                return refusal
            }
            if let max = limits.concurrentRequests, (running[scope] ?? 0) >= max, concurrency == nil {
                concurrency = .concurrency(scope, limit: max)
            }
            if let limit = limits.requestsPerMinute {
                let wait = bucket(requestBuckets, scope, limit: limit, now: clock.nanos).wait(for: 1, now: clock.nanos) ?? 0
                if wait > 0, wait > (rate?.retryAfterNanos ?? 0) { rate = .requests(scope, limit: limit, retryAfterNanos: wait) }
            }
            if let limit = limits.tokensPerMinute {
                let wait = bucket(tokenBuckets, scope, limit: limit, now: clock.nanos).wait(for: demand.tokens, now: clock.nanos)
                if wait == nil { return .tokens(scope, limit: limit, requested: demand.tokens, retryAfterNanos: nil) }
                if let wait, wait > 0, wait > (rate?.retryAfterNanos ?? 0) {
                    rate = .tokens(scope, limit: limit, requested: demand.tokens, retryAfterNanos: wait)
                }
            }
        }
        return concurrency ?? rate
    }

    private func budgetRefusal(_ scoped: ScopedLimits, demand: LimitDemand, at clock: LimitClock) -> LimitRejection? {
        let usage = usage(scoped.scope, at: clock)
        let period = clock.period
        let checks: [(BudgetKind, Int64?, Int64, Int64)] = [
            (.dailyTokens, scoped.limits.dailyTokens.map(Int64.init), Int64(demand.tokens), period.nextDayStartUnixSeconds),
            (.monthlyTokens, scoped.limits.monthlyTokens.map(Int64.init), Int64(demand.tokens), period.nextMonthStartUnixSeconds),
            (.monthlySpend, scoped.limits.monthlySpendMicros, demand.spendMicros, period.nextMonthStartUnixSeconds),
        ]
        for (kind, limit, asked, resets) in checks {
            guard let limit else { continue }
            let used = usage.committed(kind, includingInflight: true)
            if used + asked > limit {
                return .budget(scoped.scope, kind, limit: limit, used: usage.committed(kind, includingInflight: false), resetsAtUnixSeconds: resets)
            }
        }
        return nil
    }

    private mutating func take(_ scoped: ScopedLimits, demand: LimitDemand, at clock: LimitClock) {
        let scope = scoped.scope
        if let limit = scoped.limits.requestsPerMinute {
            var bucket = bucket(requestBuckets, scope, limit: limit, now: clock.nanos)
            bucket.take(1, now: clock.nanos)
            requestBuckets[scope] = bucket
        }
        if let limit = scoped.limits.tokensPerMinute {
            var bucket = bucket(tokenBuckets, scope, limit: limit, now: clock.nanos)
            bucket.take(demand.tokens, now: clock.nanos)
            tokenBuckets[scope] = bucket
        }
        if scoped.limits.concurrentRequests != nil { running[scope, default: 0] += 1 }
        if scoped.limits.hasBudget {
            var usage = budgets[scope] ?? BudgetUsage(period: clock.period)
            usage.reserve(tokens: demand.tokens, spend: demand.spendMicros, period: clock.period)
            budgets[scope] = usage
        }
    }

    /// The bucket for a scope: a full one when there is none, or one rebuilt keeping the
    /// fraction already used when the limit changed (a tier change).
    private func bucket(_ table: [LimitScope: RateBucket], _ scope: LimitScope, limit: Int, now: Int64) -> RateBucket {
        if let existing = table[scope], existing.limit == limit { return existing }
        var fresh = RateBucket(perMinute: limit, now: now)
        if let old = table[scope] {
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
    private func crossings(_ scoped: ScopedLimits, from before: BudgetUsage, to after: BudgetUsage, period: BudgetPeriod) -> [BudgetAlert] {
        var alerts: [BudgetAlert] = []
        var old = before
        old.roll(to: period)
        let kinds: [(BudgetKind, Int64?)] = [
            (.dailyTokens, scoped.limits.dailyTokens.map(Int64.init)),
            (.monthlyTokens, scoped.limits.monthlyTokens.map(Int64.init)),
            (.monthlySpend, scoped.limits.monthlySpendMicros),
        ]
        for (kind, limit) in kinds {
            guard let limit else { continue }
            let was = old.committed(kind, includingInflight: false), now = after.committed(kind, includingInflight: false)
            for fraction in alertFractions {
                let mark = Double(limit) * fraction
                if Double(was) < mark, Double(now) >= mark {
                    alerts.append(BudgetAlert(scope: scoped.scope, kind: kind, fraction: fraction, used: now, limit: limit, mode: scoped.budgetMode))
                }
            }
        }
        return alerts
    }
}
