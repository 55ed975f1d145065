import Testing
@testable import Limits

private let second: Int64 = 1_000_000_000

@Suite struct RateBucketTests {
    @Test func aFullMinuteGoesThroughAtOnceThenOneEveryInterval() {
        var bucket = RateBucket(perMinute: 60, now: 0)
        for i in 0..<60 { do { let ok = bucket.take(1, now: 0); #expect(ok, "request \(i)") } }
        do { let ok = bucket.take(1, now: 0); #expect(!ok) }
        #expect(bucket.wait(for: 1, now: 0) == second)
        do { let ok = bucket.take(1, now: second - 1); #expect(!ok) }
        do { let ok = bucket.take(1, now: second); #expect(ok) }
        #expect(bucket.remaining(now: second) == 0)
    }

    @Test func refillsLinearlyAndResetIsTimeToFull() {
        var bucket = RateBucket(perMinute: 60, now: 0)
        do { let ok = bucket.take(30, now: 0); #expect(ok) }
        #expect(bucket.remaining(now: 0) == 30)
        #expect(bucket.resetIn(now: 0) == 30 * second)
        #expect(bucket.remaining(now: 10 * second) == 40)
        #expect(bucket.resetIn(now: 10 * second) == 20 * second)
        #expect(bucket.remaining(now: 31 * second) == 60)
        #expect(bucket.resetIn(now: 31 * second) == 0)
    }

    @Test func aCostLargerThanTheLimitNeverFits() {
        let bucket = RateBucket(perMinute: 1_000, now: 0)
        #expect(bucket.wait(for: 1_001, now: 0) == nil)
        #expect(bucket.wait(for: 1_000, now: 0) == 0)
    }

    @Test func givingBackRestoresAndNeverOverfills() {
        var bucket = RateBucket(perMinute: 600, now: 0)
        do { let ok = bucket.take(500, now: 0); #expect(ok) }           // reserved 500 tokens
        bucket.adjust(giveBack: 300, now: 0)           // used 200
        #expect(bucket.remaining(now: 0) == 400)
        bucket.adjust(giveBack: 10_000, now: 0)
        #expect(bucket.remaining(now: 0) == 600)
    }

    @Test func usingMoreThanReservedIsDebtThatDelaysLaterRequests() {
        var bucket = RateBucket(perMinute: 600, now: 0)
        do { let ok = bucket.take(500, now: 0); #expect(ok) }
        bucket.adjust(giveBack: -200, now: 0)          // used 700: 100 over the limit
        #expect(bucket.remaining(now: 0) == 0)
        // One token every 100 ms: 100 of debt plus 1 token is 10.1 s away.
        #expect(bucket.wait(for: 1, now: 0) == 10_100_000_000)
    }

    @Test func headerDurationsReadLikeOpenAIs() {
        #expect(RateLimitHeaders.duration(nanos: 0) == "0s")
        #expect(RateLimitHeaders.duration(nanos: 1) == "1ms")
        #expect(RateLimitHeaders.duration(nanos: 120_000_000) == "120ms")
        #expect(RateLimitHeaders.duration(nanos: second) == "1s")
        #expect(RateLimitHeaders.duration(nanos: 8_640_000_000) == "8.64s")
        #expect(RateLimitHeaders.duration(nanos: 360 * second) == "6m0s")
        #expect(RateLimitHeaders.duration(nanos: 3_723 * second) == "1h2m3s")
        #expect(RateLimitHeaders.retryAfter(nanos: 1_500_000_000) == ("2", "1500"))
        #expect(RateLimitHeaders.retryAfter(nanos: 1) == ("1", "1"))
    }
}

@Suite struct BudgetPeriodTests {
    @Test func daysAndMonthsInUTC() {
        // 2026-11-23T01:30:00Z
        let p = BudgetPeriod(unixSeconds: 1_795_397_400)
        #expect(p.day == 20_780)
        #expect(p.month == 2026 * 12 + 10)
        #expect(p.monthStartUnixSeconds == 1_793_491_200)      // 2026-11-01T00:00:00Z
        #expect(p.nextMonthStartUnixSeconds == 1_796_083_200)  // 2026-12-01T00:00:00Z
        #expect(p.nextDayStartUnixSeconds == 1_795_478_400)    // 2026-11-24T00:00:00Z
        // 2028-02-29 exists (leap year); 2028-03-01 is a new month.
        #expect(BudgetPeriod(unixSeconds: 1_835_395_200).month == 2028 * 12 + 1)   // 2028-02-29
        #expect(BudgetPeriod(unixSeconds: 1_835_481_600).month == 2028 * 12 + 2)   // 2028-03-01
        #expect(BudgetPeriod(unixSeconds: 0).month == 1970 * 12)
        #expect(BudgetPeriod(unixSeconds: -1).day == -1)
    }

    @Test func pricesRoundUpToTheMicroUnit() {
        let price = ModelPrice(inputPerMillionMicros: 150_000, outputPerMillionMicros: 600_000)
        #expect(price.cost(promptTokens: 1_000, completionTokens: 500) == 450)
        #expect(price.cost(promptTokens: 1, completionTokens: 0) == 1)
        #expect(price.cost(promptTokens: 0, completionTokens: 0) == 0)
    }
}
