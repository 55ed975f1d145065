/// The OpenAI rate-limit headers for a status, and the wait before a retry.
///
/// ```swift
/// RateLimitHeaders.fields(for: status)
/// // [("x-ratelimit-limit-requests", "60"), ("x-ratelimit-remaining-requests", "59"),
/// //  ("x-ratelimit-reset-requests", "1s"), …]
/// RateLimitHeaders.duration(nanos: 360_000_000_000)   // "6m0s"
/// ```
public enum RateLimitHeaders {
    public static func fields(for status: RateLimitStatus) -> [(name: String, value: String)] {
        var fields: [(String, String)] = []
        if let r = status.requests {
            fields.append(("x-ratelimit-limit-requests", String(r.limit)))
            fields.append(("x-ratelimit-remaining-requests", String(r.remaining)))
            fields.append(("x-ratelimit-reset-requests", duration(nanos: r.resetNanos)))
        }
        if let t = status.tokens {
            fields.append(("x-ratelimit-limit-tokens", String(t.limit)))
            fields.append(("x-ratelimit-remaining-tokens", String(t.remaining)))
            fields.append(("x-ratelimit-reset-tokens", duration(nanos: t.resetNanos)))
        }
        return fields
    }

    /// A duration as OpenAI writes it: `0s`, `120ms`, `1s`, `8.64s`, `6m0s`, `1h2m3s`.
    public static func duration(nanos: Int64) -> String {
        if nanos <= 0 { return "0s" }
        let ms = (nanos + 999_999) / 1_000_000
        if ms < 1_000 { return "\(ms)ms" }
        let hours = ms / 3_600_000, minutes = ms % 3_600_000 / 60_000, millis = ms % 60_000
        var seconds = String(millis / 1_000)
        let fraction = millis % 1_000
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 3 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            seconds += "." + digits
        }
        if hours > 0 { return "\(hours)h\(minutes)m\(seconds)s" }
        if minutes > 0 { return "\(minutes)m\(seconds)s" }
        return "\(seconds)s"
    }

    /// `retry-after` (whole seconds, rounded up, at least 1) and `retry-after-ms`.
    public static func retryAfter(nanos: Int64) -> (seconds: String, millis: String) {
        let ms = max(1, (nanos + 999_999) / 1_000_000)
        return (String(max(1, (ms + 999) / 1_000)), String(ms))
    }
}
