import Foundation
import WardenCore

/// One published version of the platform policy: who changed it, when and why, and the document.
/// Every change creates a new version; requests record the version they were decided under.
///
/// ```swift
/// let v2 = PolicyVersion(number: 2, createdAt: .now, author: "ana@ops", reason: "tighten hate", document: doc)
/// PolicyChangelog.changes(from: v1.document, to: v2.document)
/// // ["hate (input): flag at 0.50, block at 0.80 → flag at 0.50, block at 0.70", ...]
/// ```
public struct PolicyVersion: Codable, Sendable, Hashable {
    public var number: Int
    public var createdAt: Date
    public var author: String
    public var reason: String
    public var document: PlatformPolicy

    public init(number: Int, createdAt: Date, author: String, reason: String, document: PlatformPolicy) {
        self.number = number
        self.createdAt = createdAt
        self.author = author
        self.reason = reason
        self.document = document
    }

    enum CodingKeys: String, CodingKey {
        case number, author, reason, document
        case createdAt = "created_at"
    }
}
