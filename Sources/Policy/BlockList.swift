import Foundation

/// One block-list entry that matched a text.
public struct BlockListHit: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable { case term, regex }
    public var kind: Kind
    /// The term or regex as the app wrote it.
    public var pattern: String
    /// The first matching text.
    public var matched: String

    public init(kind: Kind, pattern: String, matched: String) {
        self.kind = kind
        self.pattern = pattern
        self.matched = matched
    }
}

/// An app's block list for one direction, compiled once (when the app policy is loaded).
/// Terms match case-insensitively on word boundaries (`"kill"` matches "Kill it" but not "skill");
/// regexes use ICU syntax as written (add `(?i)` for case-insensitivity).
///
/// ```swift
/// let m = try BlockListMatcher(BlockListSpec(terms: ["acme"], regexes: [#"\bSKU-\d{4}\b"#]))
/// m.hits(in: "Buy ACME, sku SKU-1234")   // [term "acme" matched "acme" (terms report the lowercased text), regex matched "SKU-1234"]
/// ```
public struct BlockListMatcher: Sendable {
    struct Term: Sendable {
        let original: String
        let folded: String
        let needsLeadingBoundary: Bool
        let needsTrailingBoundary: Bool
    }

    let terms: [Term]
    let regexes: [CompiledRegex]

    public init(_ spec: BlockListSpec) throws {
        terms = spec.terms.compactMap { original in
            let folded = Self.fold(original.trimmingCharacters(in: .whitespacesAndNewlines))
            guard let first = folded.first, let last = folded.last else { return nil }
            return Term(original: original, folded: folded,
                        needsLeadingBoundary: Self.isWordCharacter(first),
                        needsTrailingBoundary: Self.isWordCharacter(last))
        }
        regexes = try spec.regexes.enumerated().map { i, pattern in
            do { return CompiledRegex(pattern: pattern, regex: try NSRegularExpression(pattern: pattern)) }
            catch { throw PolicyValidationError([.init(subject: "block list", key: "regexes[\(i)]",
                message: "regexes[\(i)]: invalid regular expression '\(pattern)'")]) }
        }
    }

    public var isEmpty: Bool { terms.isEmpty && regexes.isEmpty }

    /// Every entry that matches `text`, terms first, in the order they were listed.
    public func hits(in text: String) -> [BlockListHit] {
        guard !isEmpty else { return [] }
        var out: [BlockListHit] = []
        if !terms.isEmpty {
            let folded = Self.fold(text)
            for term in terms {
                if let match = firstMatch(of: term, in: folded) {
                    out.append(BlockListHit(kind: .term, pattern: term.original, matched: match))
                }
            }
        }
        let whole = NSRange(text.startIndex..., in: text)
        for r in regexes {
            if let m = r.regex.firstMatch(in: text, range: whole), let range = Range(m.range, in: text) {
                out.append(BlockListHit(kind: .regex, pattern: r.pattern, matched: String(text[range])))
            }
        }
        return out
    }

    /// nil if `pattern` compiles, else what is wrong with it.
    public static func regexProblem(_ pattern: String) -> String? {
        if pattern.isEmpty { return "empty regular expression" }
        do { _ = try NSRegularExpression(pattern: pattern); return nil }
        catch { return "invalid regular expression '\(pattern)'" }
    }

    private func firstMatch(of term: Term, in text: String) -> String? {
        var searchStart = text.startIndex
        while let range = text.range(of: term.folded, range: searchStart..<text.endIndex) {
            let before = range.lowerBound > text.startIndex ? text[text.index(before: range.lowerBound)] : nil
            let after = range.upperBound < text.endIndex ? text[range.upperBound] : nil
            let leadingOK = !term.needsLeadingBoundary || before.map { !Self.isWordCharacter($0) } ?? true
            let trailingOK = !term.needsTrailingBoundary || after.map { !Self.isWordCharacter($0) } ?? true
            if leadingOK && trailingOK { return String(text[range]) }
            searchStart = text.index(after: range.lowerBound)
        }
        return nil
    }

    /// Case folding used for terms: lowercased, so "ACME" and "acme" are the same term.
    static func fold(_ s: String) -> String { s.lowercased() }

    static func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
}

/// `NSRegularExpression` is immutable and documented as safe to use from several threads.
struct CompiledRegex: @unchecked Sendable {
    let pattern: String
    let regex: NSRegularExpression
}
