/// Identifier prefixes used across Warden (`org_…`, `app_…`, `key_…`, `req_…`, `case_…`, `inc_…`).
///
/// ```swift
/// let id = Identifier.make(.org)   // "org_3kTMd9QeVbX1pZ7c"
/// ```
public enum Identifier {
    public enum Kind: String, Sendable {
        case org, app, key, req, audit = "aud", policy = "pol", limitOverride = "lim", event = "evt", feedback = "fb"
        case `case` = "case", incident = "inc"
    }

    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// A new identifier: the kind's prefix, an underscore and `length` random base62 characters.
    public static func make(_ kind: Kind, length: Int = 16) -> String {
        kind.rawValue + "_" + randomBase62(length)
    }

    /// `count` characters drawn uniformly from base62 by a cryptographically secure generator.
    /// Each random byte below 248 (= 4 × 62) gives one character, so every character is uniform;
    /// one call to the generator yields about 7.75 characters.
    public static func randomBase62(_ count: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        var out = [UInt8]()
        out.reserveCapacity(count)
        while out.count < count {
            var word = rng.next() as UInt64
            for _ in 0..<8 where out.count < count {
                let byte = UInt8(truncatingIfNeeded: word)
                word >>= 8
                if byte < 248 { out.append(alphabet[Int(byte % 62)]) }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
