/// UTC calendar periods that budgets count in: the day number since 1970-01-01 and the month
/// number since year 0 (`year * 12 + month - 1`). Pure arithmetic, no `Calendar`.
///
/// ```swift
/// let p = BudgetPeriod(unixSeconds: 1_795_000_000)
/// p.day        // 20775
/// p.monthStartUnixSeconds   // first second of that UTC month
/// ```
public struct BudgetPeriod: Sendable, Equatable, Hashable {
    public let day: Int
    public let month: Int

    public init(unixSeconds: Int64) {
        let day = Int((unixSeconds >= 0 ? unixSeconds : unixSeconds - 86_399) / 86_400)
        self.day = day
        let (y, m, _) = Self.civil(fromDays: day)
        self.month = y * 12 + m - 1
    }

    /// The first second (UTC) of this period's month.
    public var monthStartUnixSeconds: Int64 {
        Int64(Self.days(year: month / 12, month: month % 12 + 1, day: 1)) * 86_400
    }

    /// The first second (UTC) of the next month: when monthly budgets reset.
    public var nextMonthStartUnixSeconds: Int64 {
        let next = month + 1
        return Int64(Self.days(year: next / 12, month: next % 12 + 1, day: 1)) * 86_400
    }

    /// The first second (UTC) of the next day: when daily budgets reset.
    public var nextDayStartUnixSeconds: Int64 { Int64(day + 1) * 86_400 }

    /// Howard Hinnant's `civil_from_days`.
    static func civil(fromDays z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Howard Hinnant's `days_from_civil`.
    static func days(year y0: Int, month m: Int, day d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

/// The budgets a scope can have.
public enum BudgetKind: String, Codable, Sendable, CaseIterable {
    case dailyTokens = "daily_tokens"
    case monthlyTokens = "monthly_tokens"
    case monthlySpend = "monthly_spend"
}

/// What one scope has used in the current day and month, exactly, plus what requests in flight
/// have reserved. Counters roll over when the period changes.
///
/// ```swift
/// var usage = BudgetUsage(period: p)
/// usage.reserve(tokens: 600, spend: 90, period: p)
/// usage.commit(reserved: (600, 90), actual: (412, 61), period: p)
/// usage.dayTokens   // 412
/// ```
public struct BudgetUsage: Sendable, Equatable {
    public private(set) var day: Int
    public private(set) var month: Int
    public internal(set) var dayTokens = 0
    public internal(set) var monthTokens = 0
    public internal(set) var monthSpendMicros: Int64 = 0
    public private(set) var inflightTokens = 0
    public private(set) var inflightSpendMicros: Int64 = 0

    public init(period: BudgetPeriod) {
        day = period.day
        month = period.month
    }

    /// Moves to `period`, zeroing counters whose period ended.
    public mutating func roll(to period: BudgetPeriod) {
        if period.day != day {
            day = period.day
            dayTokens = 0
        }
        if period.month != month {
            month = period.month
            monthTokens = 0
            monthSpendMicros = 0
        }
    }

    /// The used amount of a budget kind, counting what is in flight.
    public func committed(_ kind: BudgetKind, includingInflight: Bool) -> Int64 {
        switch kind {
        case .dailyTokens: return Int64(dayTokens + (includingInflight ? inflightTokens : 0))
        case .monthlyTokens: return Int64(monthTokens + (includingInflight ? inflightTokens : 0))
        case .monthlySpend: return monthSpendMicros + (includingInflight ? inflightSpendMicros : 0)
        }
    }

    public mutating func reserve(tokens: Int, spend: Int64, period: BudgetPeriod) {
        roll(to: period)
        inflightTokens += tokens
        inflightSpendMicros += spend
    }

    /// Releases a reservation and counts what was really used.
    public mutating func commit(reserved: (tokens: Int, spend: Int64), actual: (tokens: Int, spend: Int64), period: BudgetPeriod) {
        roll(to: period)
        inflightTokens = max(0, inflightTokens - reserved.tokens)
        inflightSpendMicros = max(0, inflightSpendMicros - reserved.spend)
        dayTokens += actual.tokens
        monthTokens += actual.tokens
        monthSpendMicros += actual.spend
    }

    /// Adds usage recovered from the store (after a restart).
    public mutating func seed(dayTokens: Int, monthTokens: Int, monthSpendMicros: Int64) {
        self.dayTokens += dayTokens
        self.monthTokens += monthTokens
        self.monthSpendMicros += monthSpendMicros
    }
}
