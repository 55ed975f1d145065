import Foundation

/// When and how long to wait before retrying a request. Pure.
///
/// ```swift
/// let p = RetryPolicy(maxRetries: 5, baseDelay: 0.5, maxDelay: 30)
/// p.shouldRetry(status: 429)                                   // true
/// p.delay(attempt: 2, retryAfter: nil, jitter: 1.0)            // 2.0 s (0.5 · 2²)
/// p.delay(attempt: 0, retryAfter: "3", jitter: 0.5)            // 3.0 s: the server's word wins
/// ```
/// Retried: 408, 409, 429, 500, 502, 503, 504 and transport failures (connection refused, reset,
/// timeout). Backoff is exponential with jitter (`jitter` in [0.5, 1] scales it), capped at
/// `maxDelay`; a `retry-after` header (seconds, or an HTTP date) sets the wait instead, capped at
/// `maxRetryAfter`.
public struct RetryPolicy: Sendable, Equatable {
    public var maxRetries: Int
    public var baseDelay: Double
    public var maxDelay: Double
    public var maxRetryAfter: Double

    public init(maxRetries: Int = 5, baseDelay: Double = 0.5, maxDelay: Double = 30, maxRetryAfter: Double = 120) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    public static let retriedStatuses: Set<Int> = [408, 409, 429, 500, 502, 503, 504]

    public func shouldRetry(status: Int) -> Bool { Self.retriedStatuses.contains(status) }

    /// Seconds to wait before retry number `attempt + 1` (attempt counts from 0).
    public func delay(attempt: Int, retryAfter: String?, jitter: Double, now: Date = Date()) -> Double {
        if let retryAfter, let seconds = Self.parseRetryAfter(retryAfter, now: now) {
            return min(max(seconds, 0), maxRetryAfter)
        }
        let exp = baseDelay * pow(2, Double(min(attempt, 30)))
        return min(exp, maxDelay) * min(max(jitter, 0), 1)
    }

    /// `retry-after` as seconds: a number of seconds (fractions accepted) or an HTTP date.
    public static func parseRetryAfter(_ value: String, now: Date) -> Double? {
        let v = value.trimmingCharacters(in: .whitespaces)
        if let s = Double(v), s.isFinite { return s }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let d = f.date(from: v) { return d.timeIntervalSince(now) }
        return nil
    }
}
