import Testing
@testable import Limits

private let second: Int64 = 1_000_000_000
/// 2026-11-23T01:30:00Z
private let t0: Int64 = 1_795_397_400

private func at(_ seconds: Double, unix: Int64 = t0) -> LimitClock {
    LimitClock(nanos: Int64(seconds * 1e9), unixSeconds: unix + Int64(seconds))
}

private func ticket(_ admission: LimitAdmission) -> LimitTicket? {
    if case .admitted(let t, _) = admission { return t }
    return nil
}

private func rejection(_ admission: LimitAdmission) -> LimitRejection? {
    if case .rejected(let r, _) = admission { return r }
    return nil
}

@Suite struct LimiterStateTests {
    let org = ScopedLimits(scope: .org("org_1"), limits: LimitSet(requestsPerMinute: 100, tokensPerMinute: 10_000))
    let app = ScopedLimits(scope: .app("app_1"), limits: LimitSet(requestsPerMinute: 3))

    @Test func theTightestScopeWinsAndHeadersReportIt() {
        var state = LimiterState()
        for i in 0..<3 {
            let admission = state.admit([org, app], demand: LimitDemand(tokens: 100), at: at(0))
            guard case .admitted(_, let status) = admission else { Issue.record("request \(i) refused"); return }
            #expect(status.requests == .init(limit: 3, remaining: 2 - i, resetNanos: Int64(i + 1) * 20 * second))
            #expect(status.tokens?.limit == 10_000)
            #expect(status.tokens?.remaining == 10_000 - 100 * (i + 1))
        }
        let refused = state.admit([org, app], demand: LimitDemand(tokens: 100), at: at(1))
        #expect(rejection(refused) == .requests(.app("app_1"), limit: 3, retryAfterNanos: 19 * second))
        // The refusal took nothing at the org: its tokens are where three requests left them.
        // 300 tokens taken at 0 s is 1.8 s of a 60 s window; 1 s later 0.8 s is left: (60 - 0.8) / 0.006.
        #expect(state.status([org], at: second).tokens?.remaining == 9_866)
    }

    @Test func refusalTakesNothingAtAnyScope() {
        var state = LimiterState()
        let tight = ScopedLimits(scope: .app("a"), limits: LimitSet(requestsPerMinute: 1))
        let loose = ScopedLimits(scope: .org("o"), limits: LimitSet(requestsPerMinute: 10))
        #expect(ticket(state.admit([loose, tight], demand: LimitDemand(tokens: 0), at: at(0))) != nil)
        for _ in 0..<5 { #expect(rejection(state.admit([loose, tight], demand: LimitDemand(tokens: 0), at: at(0))) != nil) }
        #expect(state.status([loose], at: 0).requests?.remaining == 9)
    }

    @Test func tokensAreReservedThenReconciledBothWays() {
        var state = LimiterState()
        let scope = ScopedLimits(scope: .app("a"), limits: LimitSet(tokensPerMinute: 1_000))
        let first = ticket(state.admit([scope], demand: LimitDemand(tokens: 600), at: at(0)))!
        #expect(rejection(state.admit([scope], demand: LimitDemand(tokens: 600), at: at(0))) != nil)
        _ = state.finish(first, tokens: 150, spendMicros: 0, at: at(0))      // smaller than reserved
        #expect(state.status([scope], at: 0).tokens?.remaining == 850)
        let again = ticket(state.admit([scope], demand: LimitDemand(tokens: 600), at: at(0)))!
        _ = state.finish(again, tokens: 900, spendMicros: 0, at: at(0))     // larger than reserved
        #expect(state.status([scope], at: 0).tokens?.remaining == 0)
        // 1,050 used of 1,000: 50 of debt, then 100 tokens needed at 60 ms a token.
        if case .tokens(_, 1_000, 100, let wait?) = rejection(state.admit([scope], demand: LimitDemand(tokens: 100), at: at(0))) {
            #expect(wait == 9 * second)
        } else { Issue.record("expected a token refusal") }
    }

    @Test func aRequestLargerThanTheTokenLimitIsRefusedWithoutRetry() {
        var state = LimiterState()
        let scope = ScopedLimits(scope: .app("a"), limits: LimitSet(tokensPerMinute: 1_000))
        let refused = rejection(state.admit([scope], demand: LimitDemand(tokens: 1_001), at: at(0)))
        #expect(refused == .tokens(.app("a"), limit: 1_000, requested: 1_001, retryAfterNanos: nil))
        #expect(refused?.retryAfterNanos == nil)
    }

    @Test func concurrencyIsHeldUntilFinish() {
        var state = LimiterState()
        let scope = ScopedLimits(scope: .key("k"), limits: LimitSet(concurrentRequests: 2))
        let a = ticket(state.admit([scope], demand: LimitDemand(tokens: 1), at: at(0)))!
        let b = ticket(state.admit([scope], demand: LimitDemand(tokens: 1), at: at(0)))!
        #expect(rejection(state.admit([scope], demand: LimitDemand(tokens: 1), at: at(0))) == .concurrency(.key("k"), limit: 2))
        _ = state.finish(a, tokens: 1, spendMicros: 0, at: at(1))
        #expect(state.inFlight(.key("k")) == 1)
        #expect(ticket(state.admit([scope], demand: LimitDemand(tokens: 1), at: at(1))) != nil)
        _ = state.finish(b, tokens: 1, spendMicros: 0, at: at(1))
        #expect(state.inFlight(.key("k")) == 1)
    }

    @Test func aHardBudgetStopsAtItsLimitAndAlertsOnTheWay() {
        var state = LimiterState(alertFractions: [0.5, 0.8, 1.0])
        let scope = ScopedLimits(scope: .org("o"), limits: LimitSet(monthlyTokens: 1_000), budgetMode: .hard)
        var alerts: [BudgetAlert] = []
        for i in 0..<4 {   // 4 × 250 = 1,000
            let t = ticket(state.admit([scope], demand: LimitDemand(tokens: 250), at: at(Double(i))))!
            alerts += state.finish(t, tokens: 250, spendMicros: 0, at: at(Double(i)))
        }
        #expect(alerts.map(\.fraction) == [0.5, 0.8, 1.0])
        #expect(alerts.map(\.used) == [500, 1_000, 1_000])
        let refused = rejection(state.admit([scope], demand: LimitDemand(tokens: 1), at: at(5)))
        #expect(refused == .budget(.org("o"), .monthlyTokens, limit: 1_000, used: 1_000, resetsAtUnixSeconds: 1_796_083_200))
        #expect(refused?.retryAfterNanos == nil)
    }

    @Test func inFlightReservationsCountAgainstTheBudget() {
        var state = LimiterState()
        let scope = ScopedLimits(scope: .org("o"), limits: LimitSet(dailyTokens: 1_000))
        _ = ticket(state.admit([scope], demand: LimitDemand(tokens: 700), at: at(0)))!
        if case .budget(_, .dailyTokens, 1_000, 0, _) = rejection(state.admit([scope], demand: LimitDemand(tokens: 400), at: at(0))) {} else {
            Issue.record("a reservation of 700 in flight leaves 300")
        }
        #expect(ticket(state.admit([scope], demand: LimitDemand(tokens: 300), at: at(0))) != nil)
    }

    @Test func aSoftBudgetAlertsButAdmits() {
        var state = LimiterState(alertFractions: [1.0])
        let scope = ScopedLimits(scope: .org("o"), limits: LimitSet(dailyTokens: 100), budgetMode: .soft)
        let t = ticket(state.admit([scope], demand: LimitDemand(tokens: 150), at: at(0)))!
        let alerts = state.finish(t, tokens: 150, spendMicros: 0, at: at(0))
        #expect(alerts == [BudgetAlert(scope: .org("o"), kind: .dailyTokens, fraction: 1.0, used: 150, limit: 100, mode: .soft)])
        #expect(ticket(state.admit([scope], demand: LimitDemand(tokens: 150), at: at(1))) != nil)
    }

    @Test func dailyBudgetsResetAtMidnightUTCMonthlyOnesDoNot() {
        var state = LimiterState()
        let scope = ScopedLimits(scope: .app("a"), limits: LimitSet(dailyTokens: 100, monthlyTokens: 150))
        let t = ticket(state.admit([scope], demand: LimitDemand(tokens: 100), at: at(0)))!
        _ = state.finish(t, tokens: 100, spendMicros: 0, at: at(0))
        #expect(rejection(state.admit([scope], demand: LimitDemand(tokens: 1), at: at(60))) != nil)
        let tomorrow = LimitClock(nanos: 100 * second, unixSeconds: 1_795_478_400)
        #expect(state.usage(.app("a"), at: tomorrow).dayTokens == 0)
        #expect(ticket(state.admit([scope], demand: LimitDemand(tokens: 50), at: tomorrow)) != nil)
        if case .budget(_, .monthlyTokens, _, _, _) = rejection(state.admit([scope], demand: LimitDemand(tokens: 1), at: tomorrow)) {} else {
            Issue.record("150 of the month reserved")
        }
    }

    @Test func spendBudgetsCountMicroUnits() {
        var state = LimiterState()
        let scope = ScopedLimits(scope: .org("o"), limits: LimitSet(monthlySpendMicros: 1_000))
        let t = ticket(state.admit([scope], demand: LimitDemand(tokens: 10, spendMicros: 900), at: at(0)))!
        _ = state.finish(t, tokens: 10, spendMicros: 600, at: at(0))
        #expect(state.usage(.org("o"), at: at(0)).monthSpendMicros == 600)
        #expect(ticket(state.admit([scope], demand: LimitDemand(tokens: 10, spendMicros: 400), at: at(0))) != nil)
        #expect(rejection(state.admit([scope], demand: LimitDemand(tokens: 10, spendMicros: 1), at: at(0))) != nil)
    }

    @Test func recoveredUsageCountsAndIsNotAlertedAgain() {
        var state = LimiterState(alertFractions: [0.5, 0.8])
        let scope = ScopedLimits(scope: .org("o"), limits: LimitSet(monthlyTokens: 1_000))
        state.seed(.org("o"), dayTokens: 0, monthTokens: 600, monthSpendMicros: 0, at: at(0))
        let t = ticket(state.admit([scope], demand: LimitDemand(tokens: 300), at: at(0)))!
        let alerts = state.finish(t, tokens: 300, spendMicros: 0, at: at(0))
        #expect(alerts.map(\.fraction) == [0.8])
        #expect(rejection(state.admit([scope], demand: LimitDemand(tokens: 101), at: at(0))) != nil)
    }

    @Test func aTierChangeKeepsTheFractionUsed() {
        var state = LimiterState()
        let small = ScopedLimits(scope: .app("a"), limits: LimitSet(requestsPerMinute: 10))
        for _ in 0..<5 { _ = state.admit([small], demand: LimitDemand(tokens: 0), at: at(0)) }
        let big = ScopedLimits(scope: .app("a"), limits: LimitSet(requestsPerMinute: 100))
        #expect(state.status([big], at: 0).requests?.remaining == 50)
    }
}
