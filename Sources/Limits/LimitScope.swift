/// Where a limit applies: an org, one of its apps, or one API key. A request is checked at
/// every scope it belongs to at once; the tightest wins.
public enum LimitScope: Hashable, Sendable, CustomStringConvertible {
    case org(String)
    case app(String)
    case key(String)

    /// `org`, `app` or `key`.
    public var level: String {
        switch self {
        case .org: return "org"
        case .app: return "app"
        case .key: return "key"
        }
    }

    public var id: String {
        switch self {
        case .org(let id), .app(let id), .key(let id): return id
        }
    }

    public var description: String { "\(level) \(id)" }

    /// Parses `org`/`app`/`key` and an id.
    public init?(level: String, id: String) {
        switch level {
        case "org": self = .org(id)
        case "app": self = .app(id)
        case "key": self = .key(id)
        default: return nil
        }
    }
}

/// The limits in force at one scope for one request.
public struct ScopedLimits: Sendable, Equatable {
    public var scope: LimitScope
    public var limits: LimitSet
    public var budgetMode: BudgetMode

    public init(scope: LimitScope, limits: LimitSet, budgetMode: BudgetMode = .hard) {
        self.scope = scope
        self.limits = limits
        self.budgetMode = budgetMode
    }
}

/// What a request asks of its limits before it is forwarded: one request, and an upper bound of
/// its tokens (estimated prompt + `max_tokens` or the completion reserve) and their cost.
public struct LimitDemand: Sendable, Equatable {
    public var tokens: Int
    public var spendMicros: Int64

    public init(tokens: Int, spendMicros: Int64 = 0) {
        self.tokens = tokens
        self.spendMicros = spendMicros
    }
}

/// A moment as the limiter sees it: a monotonic clock for rates, the wall clock for budget periods.
public struct LimitClock: Sendable, Equatable {
    public let nanos: Int64
    public let unixSeconds: Int64
    /// The budget day and month of `unixSeconds`, worked out once.
    public let period: BudgetPeriod

    public init(nanos: Int64, unixSeconds: Int64) {
        self.nanos = nanos
        self.unixSeconds = unixSeconds
        self.period = BudgetPeriod(unixSeconds: unixSeconds)
    }
}
