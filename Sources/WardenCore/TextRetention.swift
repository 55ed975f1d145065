import Crypto
import Foundation

/// What is kept of prompt and completion text on usage records: the operator's choice.
///
/// ```swift
/// TextRetention.hash.stored("hello")   // "sha256:2cf24d…"
/// TextRetention.none.stored("hello")   // nil
/// ```
public enum TextRetention: String, Codable, Sendable, CaseIterable {
    /// Nothing of the text is stored.
    case none
    /// A SHA-256 of the text, enough to find repeats without keeping the words.
    case hash
    /// The text itself, purged after the retention period.
    case full

    public func stored(_ text: String?) -> String? {
        guard let text else { return nil }
        switch self {
        case .none: return nil
        case .hash: return "sha256:" + Hex.encode(Array(SHA256.hash(data: Data(text.utf8))))
        case .full: return text
        }
    }
}
