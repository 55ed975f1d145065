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
        /// Lowercased UTF-8 bytes.
        let folded: [UInt8]
        let needsLeadingBoundary: Bool
        let needsTrailingBoundary: Bool
    }

    let terms: [Term]
    /// Per first byte of a folded term, the terms that start with it (so the text is scanned once
    /// for all terms, stopping only where some term can start).
    let termsByFirstByte: [[Int]]
    let regexes: [CompiledRegex]

    public init(_ spec: BlockListSpec) throws {
        terms = spec.terms.compactMap { original in
            let folded = Self.fold(original.trimmingCharacters(in: .whitespacesAndNewlines))
            guard let first = folded.unicodeScalars.first, let last = folded.unicodeScalars.last else { return nil }
            return Term(original: original, folded: Array(folded.utf8),
                        needsLeadingBoundary: Self.isWordScalar(first),
                        needsTrailingBoundary: Self.isWordScalar(last))
        }
        var byFirst = [[Int]](repeating: [], count: 256)
        for (k, term) in terms.enumerated() { byFirst[Int(term.folded[0])].append(k) }
        termsByFirstByte = byFirst
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
            let folded = Self.foldedBytes(text)
            for (term, range) in zip(terms, firstMatches(in: folded)) {
                if let range {
                    out.append(BlockListHit(kind: .term, pattern: term.original, matched: String(decoding: folded[range], as: UTF8.self)))
                }
            }
        }
        if !regexes.isEmpty {
            let whole = NSRange(location: 0, length: text.utf16.count)
            for r in regexes {
                if let m = r.regex.firstMatch(in: text, range: whole), let range = Range(m.range, in: text) {
                    out.append(BlockListHit(kind: .regex, pattern: r.pattern, matched: String(text[range])))
                }
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

    /// The first match of every term in the folded text (nil: none), in one pass over the text:
    /// at each byte that some term starts with, those terms are compared and their word
    /// boundaries checked.
    func firstMatches(in text: [UInt8]) -> [Range<Int>?] {
        var found = [Range<Int>?](repeating: nil, count: terms.count)
        var remaining = terms.count
        text.withUnsafeBufferPointer { t in
            var i = 0
            while i < t.count, remaining > 0 {
                for k in termsByFirstByte[Int(t[i])] where found[k] == nil {
                    let term = terms[k]
                    let end = i + term.folded.count
                    guard end <= t.count, Self.matches(term.folded, t, at: i),
                          !term.needsLeadingBoundary || !Self.wordScalarBefore(i, in: text),
                          !term.needsTrailingBoundary || !Self.wordScalarAt(end, in: text) else { continue }
                    found[k] = i..<end
                    remaining -= 1
                }
                i += 1
            }
        }
        return found
    }

    /// True when `needle` is at `i` in `text` (which has room for it).
    @inline(__always)
    private static func matches(_ needle: [UInt8], _ text: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        needle.withUnsafeBufferPointer { n in
            var j = 1
            while j < n.count {
                if text[i + j] != n[j] { return false }
                j += 1
            }
            return true
        }
    }

    /// `fold(text)` as UTF-8 bytes; ASCII text is lowercased byte by byte (the common case, and
    /// the same result: lowercasing maps only A–Z there).
    static func foldedBytes(_ text: String) -> [UInt8] {
        var bytes = Array(text.utf8)
        for i in bytes.indices {
            let b = bytes[i]
            if b >= 0x80 { return Array(fold(text).utf8) }
            if b &- 0x41 < 26 { bytes[i] = b | 0x20 }
        }
        return bytes
    }

    /// Case folding used for terms: lowercased, so "ACME" and "acme" are the same term.
    static func fold(_ s: String) -> String { s.lowercased() }

    static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII {
            let v = s.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F
        }
        return s.properties.isAlphabetic || s.properties.numericType != nil
    }

    /// Whether the scalar ending just before byte `i` is a word character.
    static func wordScalarBefore(_ i: Int, in bytes: [UInt8]) -> Bool {
        guard i > 0 else { return false }
        var start = i - 1
        while start > 0 && bytes[start] & 0xC0 == 0x80 { start -= 1 }
        return decode(bytes, start).map(isWordScalar) ?? false
    }

    /// Whether the scalar starting at byte `i` is a word character.
    static func wordScalarAt(_ i: Int, in bytes: [UInt8]) -> Bool {
        guard i < bytes.count else { return false }
        return decode(bytes, i).map(isWordScalar) ?? false
    }

    static func decode(_ bytes: [UInt8], _ start: Int) -> Unicode.Scalar? {
        var it = bytes[start...].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let s) = decoder.decode(&it) { return s }
        return nil
    }
}

/// `NSRegularExpression` is immutable and documented as safe to use from several threads.
struct CompiledRegex: @unchecked Sendable {
    let pattern: String
    let regex: NSRegularExpression
}
