import Foundation

/// BERT's uncased WordPiece tokenizer, matching Hugging Face's token ids for all-MiniLM-L6-v2:
/// `BertPreTokenizer` words, then greedy longest-match-first word pieces (`##` marks a piece
/// continuing a word); a word with no segmentation, or over 100 characters, becomes `[UNK]`.
/// `encode` wraps the pieces in `[CLS]` … `[SEP]` and truncates to `maxTokens` (specials included).
///
/// ```swift
/// let tokenizer = try WordPieceTokenizer(contentsOf: dir.appendingPathComponent("vocab.txt"))
/// tokenizer.encode("Hello, world!")      // [101, 7592, 1010, 2088, 999, 102]
/// ```
public struct WordPieceTokenizer: Sendable {
    public let vocabulary: [String]
    private let ids: [String: Int32]
    public let unknownID: Int32
    public let classID: Int32
    public let separatorID: Int32
    /// Words longer than this (in Unicode scalars) are `[UNK]`.
    public let maxCharactersPerWord = 100

    /// Reads `vocab.txt`: one token per line, the line number (from 0) is its id.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) }
        catch { throw EncoderFileError(path: url.path, reason: "cannot be read (\(error.localizedDescription)); run `make encoder`") }
        // Split bytes, not Characters: "\r\n" is one Character in Swift and would not split on "\n".
        var lines: [String] = []
        for (number, raw) in data.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            let bytes = raw.last == 0x0D ? raw.dropLast() : raw
            guard let line = String(validating: bytes, as: UTF8.self) else {
                throw EncoderFileError(path: url.path, reason: "line \(number + 1) is not valid UTF-8")
            }
            lines.append(line)
        }
        if lines.last == "" { lines.removeLast() }
        try self.init(vocabulary: lines, path: url.path)
    }

    /// A tokenizer over `vocabulary` (index = id), which must hold `[UNK]`, `[CLS]` and `[SEP]`.
    public init(vocabulary: [String], path: String = "vocabulary") throws {
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(vocabulary.count)
        for (i, token) in vocabulary.enumerated() where ids[token] == nil { ids[token] = Int32(i) }
        func special(_ token: String) throws -> Int32 {
            guard let id = ids[token] else {
                throw EncoderFileError(path: path, reason: "has no \(token) token (\(vocabulary.count) tokens read); is it a BERT vocab.txt?")
            }
            return id
        }
        self.vocabulary = vocabulary
        self.ids = ids
        self.unknownID = try special("[UNK]")
        self.classID = try special("[CLS]")
        self.separatorID = try special("[SEP]")
    }

    /// Token ids: `[CLS]`, the word pieces of `text` (the first `maxTokens - 2`), `[SEP]`.
    public func encode(_ text: String, maxTokens: Int = 256) -> [Int32] {
        let budget = max(0, maxTokens - 2)
        var out: [Int32] = [classID]
        out.reserveCapacity(min(budget, 64) + 2)
        words: for word in BertPreTokenizer.words(text) {
            for id in pieces(of: word) {
                if out.count - 1 >= budget { break words }
                out.append(id)
            }
        }
        out.append(separatorID)
        return out
    }

    /// All word pieces of a long text as overlapping windows, each `[CLS]` + at most
    /// `maxTokens - 2` pieces + `[SEP]`, consecutive windows starting `stride` pieces apart
    /// (default: half a window). Every piece is in at least one window; a short text is one window.
    /// For scoring texts longer than one window: embed each window, then combine the scores.
    public func windows(_ text: String, maxTokens: Int = 256, stride: Int? = nil) -> [[Int32]] {
        let pieces = BertPreTokenizer.words(text).flatMap { self.pieces(of: $0) }
        let width = max(1, maxTokens - 2)
        let step = min(width, max(1, stride ?? max(1, width / 2)))
        var out: [[Int32]] = []
        var start = 0
        repeat {
            let end = min(pieces.count, start + width)
            out.append([classID] + pieces[start..<end] + [separatorID])
            if end == pieces.count { break }
            start += step
        } while true
        return out
    }

    /// The word pieces of `text` as strings (no specials, no truncation), for inspection.
    public func tokenize(_ text: String) -> [String] {
        BertPreTokenizer.words(text).flatMap { pieces(of: $0).map { vocabulary[Int($0)] } }
    }

    /// Greedy longest-match-first WordPiece segmentation of one normalized word.
    func pieces(of word: String) -> [Int32] {
        let scalars = Array(word.unicodeScalars)
        if scalars.count > maxCharactersPerWord { return [unknownID] }
        var out: [Int32] = []
        var start = 0
        while start < scalars.count {
            var end = scalars.count
            var found: Int32?
            while end > start {
                var candidate = start > 0 ? "##" : ""
                candidate.unicodeScalars.append(contentsOf: scalars[start..<end])
                if let id = ids[candidate] { found = id; break }
                end -= 1
            }
            guard let id = found else { return [unknownID] }
            out.append(id)
            start = end
        }
        return out
    }
}

/// A model file (vocab, config, weights directory) that cannot be used: which and why.
public struct EncoderFileError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String
    public var description: String { "\(path) \(reason)" }
}
