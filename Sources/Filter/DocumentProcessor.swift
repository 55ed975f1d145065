import Classifier
import Foundation
import WardenCore

/// Why a record was skipped instead of filtered.
public enum ProblemKind: String, Codable, Sendable, CaseIterable {
    case invalidJSON = "invalid_json"
    case notAnObject = "not_an_object"
    case invalidUTF8 = "invalid_utf8"
    case missingTextField = "missing_text_field"
    case emptyText = "empty_text"
    case oversized = "oversized"
}

/// A skipped record, with where it was and what was wrong.
public struct RecordProblem: Codable, Sendable, Equatable {
    public var kind: ProblemKind
    public var path: String
    public var line: Int
    public var detail: String
}

/// What happened to a document.
public enum Fate: String, Codable, Sendable {
    case kept, masked, removed
}

/// A worker's verdict on one document; the ordered writer turns it into output lines and tallies.
public struct DocumentOutcome: Sendable {
    public var line: Int
    /// Size of the input record in bytes.
    public var bytes: Int
    public var fate: Fate
    /// Document scores (maximum over windows, or over spans in span mode).
    public var scores: [Double]
    /// Scores of what is kept of the document (equal to `scores` unless spans were masked).
    public var keptScores: [Double]
    /// Categories that removed the document, or (masked) that flagged a span.
    public var categories: [ModerationCategory]
    public var margin: Double
    /// The category with the largest score − threshold (see `Decision.deciding`).
    public var deciding: ModerationCategory?
    public var maskedSpans: Int
    /// The output object (JSON text without the annotation and newline).
    public var body: [UInt8]
    public var excerpt: String
    public var groups: [Int]
    public var dedup: DedupKeys?
}

public enum Processed: Sendable {
    case problem(RecordProblem)
    case document(DocumentOutcome)
}

/// Turns one raw record into an outcome: parse (JSONL field or plain text), validate, normalize,
/// score (document or span level), decide, find identity mentions and dedup keys. Pure apart from
/// the scorer; called concurrently by the pipeline's workers.
///
/// ```swift
/// let p = DocumentProcessor(scorer: clf, policy: FilterPolicy(thresholds: .uniform(0.5)))
/// if case .document(let d) = p.process(record, format: .jsonl, path: "a.jsonl") { d.fate }
/// ```
public struct DocumentProcessor: Sendable {
    public let scorer: any CorpusScorer
    public let policy: FilterPolicy
    public var textField: [String]
    public var dedup: DedupMode
    public let mentions = IdentityMentions()
    public let minHasher = MinHasher()
    public var excerptChars = 400

    public init(scorer: any CorpusScorer, policy: FilterPolicy, textField: String = "text", dedup: DedupMode = .off) {
        self.scorer = scorer
        self.policy = policy
        self.textField = textField.split(separator: ".").map(String.init)
        self.dedup = dedup
    }

    public func process(_ r: RawRecord, format: CorpusFormat, path: String) -> Processed {
        func problem(_ k: ProblemKind, _ detail: String) -> Processed {
            .problem(RecordProblem(kind: k, path: path, line: r.line, detail: detail))
        }
        if let n = r.oversizedBytes {
            return problem(.oversized, "record of \(n) bytes exceeds --max-record-bytes; skipped without being held in memory")
        }
        guard let raw = String(validating: r.bytes, as: UTF8.self) else {
            return problem(.invalidUTF8, "not valid UTF-8 (re-encode the file as UTF-8)")
        }
        var json: JSONValue? = nil
        let text: String
        if format == .jsonl {
            let value: JSONValue
            do { value = try JSONValue.parse(r.bytes) } catch {
                return problem(.invalidJSON, "invalid JSON: \(error)")
            }
            guard value.isObject else { return problem(.notAnObject, "a JSONL row must be an object, got \(value.typeName)") }
            var cur: JSONValue? = value
            for key in textField { cur = cur?[key] }
            guard let t = cur?.string else {
                let what = cur == nil ? "no field" : "field is \(cur!.typeName), not a string:"
                return problem(.missingTextField, "\(what) \"\(textField.joined(separator: "."))\" (set --text-field)")
            }
            text = t
            json = value
        } else {
            text = raw
        }
        if text.allSatisfy(\.isWhitespace) { return problem(.emptyText, "the text is empty") }
        return .document(judge(text: text, line: r.line, bytes: r.bytes.count, json: json,
                               rawLine: format == .jsonl ? r.bytes : nil, path: path))
    }

    func judge(text: String, line: Int, bytes: Int, json: JSONValue?, rawLine: [UInt8]?, path: String) -> DocumentOutcome {
        let norm = TextNormalizer.normalize(text)
        var out = DocumentOutcome(line: line, bytes: bytes, fate: .kept, scores: [], keptScores: [], categories: [],
                                  margin: 0, deciding: nil, maskedSpans: 0, body: [], excerpt: String(text.prefix(excerptChars)),
                                  groups: mentions.groups(in: norm), dedup: nil)
        var keptText = text
        if let spans = policy.spans {
            let parts = SpanSplitter.split(text, maxChars: spans.maxSpanChars)
            var docScores = [Double](repeating: 0, count: 8), keptScores = docScores
            var flagged: [Bool] = []
            var cats = Set<ModerationCategory>()
            var flaggedChars = 0, totalChars = 0
            for p in parts {
                let s = scorer.scores(TextNormalizer.normalize(String(p)))
                let d = policy.thresholds.decide(s)
                let n = p.unicodeScalars.count
                totalChars += n
                flagged.append(d.removes)
                if d.removes { flaggedChars += n; cats.formUnion(d.flagged) }
                for i in 0..<8 {
                    docScores[i] = max(docScores[i], s[i])
                    if !d.removes { keptScores[i] = max(keptScores[i], s[i]) }
                }
            }
            out.scores = docScores
            out.categories = ModerationCategory.allCases.filter(cats.contains)
            // Spans' maxima per category: the same flagged categories, and the document's margin.
            let whole = policy.thresholds.decide(docScores)
            out.margin = whole.margin
            out.deciding = whole.deciding
            let masked = flagged.filter { $0 }.count
            if masked == 0 {
                out.keptScores = docScores
            } else if Double(flaggedChars) > spans.maxFlaggedFraction * Double(totalChars) {
                out.fate = .removed
                out.keptScores = docScores
            } else {
                out.fate = .masked
                out.maskedSpans = masked
                out.keptScores = keptScores
                keptText = SpanSplitter.rewrite(parts, flagged: flagged, action: spans.action, mask: spans.maskText)
            }
        } else {
            let s = scorer.scores(norm)
            let d = policy.thresholds.decide(s)
            out.scores = s
            out.keptScores = s
            out.categories = d.flagged
            out.margin = d.margin
            out.deciding = d.deciding
            if d.removes { out.fate = .removed }
        }
        out.body = body(text: out.fate == .masked ? keptText : text, json: json, rawLine: out.fate == .masked ? nil : rawLine,
                        path: path, line: line)
        if dedup != .off, out.fate != .removed {
            let keyText = out.fate == .masked ? keptText : text
            out.dedup = DedupKeys(exact: ExactKey(keyText),
                                  bands: dedup == .near ? minHasher.bandKeys(out.fate == .masked ? TextNormalizer.normalize(keyText) : norm) : [])
        }
        return out
    }

    /// The output object: the input row as it was (or with the text replaced, when spans were
    /// masked); for plain-text input `{"text", "source", "line"}`.
    func body(text: String, json: JSONValue?, rawLine: [UInt8]?, path: String, line: Int) -> [UInt8] {
        if let rawLine {
            var end = rawLine.count
            while end > 0, rawLine[end - 1] == 0x20 || rawLine[end - 1] == 0x09 { end -= 1 }
            return Array(rawLine[..<end])
        }
        if var json {
            json = replacing(json, path: textField[...], with: .string(text))
            return json.serialized()
        }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + path.utf8.count + 40)
        out.append(contentsOf: #"{"text":"#.utf8)
        JSONText.appendString(text, to: &out)
        out.append(contentsOf: #","source":"#.utf8)
        JSONText.appendString(path, to: &out)
        out.append(contentsOf: #","line":"#.utf8)
        out.append(contentsOf: String(line).utf8)
        out.append(0x7D)
        return out
    }

    func replacing(_ v: JSONValue, path: ArraySlice<String>, with new: JSONValue) -> JSONValue {
        guard let key = path.first else { return new }
        var v = v
        if let child = v[key] { v[key] = replacing(child, path: path.dropFirst(), with: new) }
        return v
    }
}
