import Crypto
import Foundation

/// Makes, hashes and verifies API keys. A key is `wdn-` followed by 32 base62 characters
/// (about 190 bits of randomness). Only its hash is stored; the first 8 characters after `wdn-`
/// are its displayable, non-secret prefix, used to find the stored hash.
///
/// ```swift
/// let hasher = APIKeyHasher(secret: "server-secret")     // HMAC-SHA256; nil secret: SHA-256
/// let key = APIKeyHasher.generate()                       // "wdn-…", shown once
/// let stored = hasher.hash(key)                           // hex string for the store
/// hasher.verify(key, againstHash: stored)                 // true, constant time
/// ```
public struct APIKeyHasher: Sendable {
    public static let keyPrefix = "wdn-"
    public static let secretLength = 32
    public static let displayPrefixLength = 8

    private let secret: [UInt8]?

    public init(secret: String?) {
        if let secret, !secret.isEmpty {
            self.secret = Array(secret.utf8)
        } else {
            self.secret = nil
        }
    }

    /// A new random key; shown to its owner once and never stored.
    public static func generate() -> String {
        keyPrefix + Identifier.randomBase62(secretLength)
    }

    /// The displayable prefix of a key (`wdn-AbCd1234`), or nil when the text is not shaped like a key.
    public static func displayPrefix(of key: String) -> String? {
        guard key.hasPrefix(keyPrefix), key.utf8.count == keyPrefix.utf8.count + secretLength else { return nil }
        guard key.utf8.allSatisfy({ Identifier.alphabet.contains($0) || $0 == UInt8(ascii: "-") }) else { return nil }
        return String(key.prefix(keyPrefix.count + displayPrefixLength))
    }

    /// The stored form of a key: HMAC-SHA256 with the server secret, or SHA-256 without one, as hex.
    public func hash(_ key: String) -> String {
        Hex.encode(digest(key))
    }

    /// Compares a presented key with a stored hash in time independent of where they differ.
    public func verify(_ key: String, againstHash storedHex: String) -> Bool {
        Self.constantTimeEquals(Array(hash(key).utf8), Array(storedHex.utf8))
    }

    private func digest(_ key: String) -> [UInt8] {
        if let secret {
            return Array(HMAC<SHA256>.authenticationCode(for: Array(key.utf8), using: SymmetricKey(data: secret)))
        }
        return Array(SHA256.hash(data: Array(key.utf8)))
    }

    /// Equality of two byte strings whose running time depends only on their lengths.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        let n = min(a.count, b.count)
        for i in 0..<n { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
