import CZlib
import Foundation
import WardenCore

/// A problem with a data file; names the file and, when known, the line.
public struct DatasetError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var line: Int?
    public var reason: String
    public var description: String {
        if let line { return "\(path):\(line): \(reason)" }
        return "\(path): \(reason)"
    }
}

/// Reads a file line by line through zlib (`gzopen` reads both gzip and plain files), in constant
/// memory. Lines are handed over as raw bytes (no UTF-8 validation here).
public final class LineReader {
    private let file: gzFile
    public let path: String
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var pending: [UInt8] = []
    private var bufStart = 0
    private var bufEnd = 0
    private var eof = false
    public private(set) var lineNumber = 0

    /// Opens `path`; "-" means standard input.
    public init(path: String) throws {
        self.path = path
        let f: gzFile? = path == "-" ? gzdopen(dup(0), "rb") : gzopen(path, "rb")
        guard let f else { throw DatasetError(path: path, line: nil, reason: "cannot open file") }
        self.file = f
    }

    deinit { gzclose(file) }

    /// The next line without its terminator (and without a trailing CR), or nil at the end.
    public func nextLine() throws -> [UInt8]? {
        pending.removeAll(keepingCapacity: true)
        while true {
            if bufStart < bufEnd {
                if let nl = buffer[bufStart..<bufEnd].firstIndex(of: 0x0A) {
                    pending.append(contentsOf: buffer[bufStart..<nl])
                    bufStart = nl + 1
                    lineNumber += 1
                    if pending.last == 0x0D { pending.removeLast() }
                    return pending
                }
                pending.append(contentsOf: buffer[bufStart..<bufEnd])
                bufStart = bufEnd
            }
            if eof {
                if pending.isEmpty { return nil }
                lineNumber += 1
                if pending.last == 0x0D { pending.removeLast() }
                return pending
            }
            let n = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if n < 0 {
                var errnum: Int32 = 0
                let msg = gzerror(file, &errnum).map { String(cString: $0) } ?? "read error"
                throw DatasetError(path: path, line: lineNumber + 1, reason: "read failed: \(msg) (corrupt gzip?)")
            }
            if n == 0 { eof = true }
            bufStart = 0
            bufEnd = Int(n)
        }
    }
}

/// One labeled row: `{"text", "labels", "source", "split", "orig"}`.
public struct LabeledRow: Sendable {
    public var text: String
    /// Per head slot: 1 positive, 0 negative, -1 unknown (the loss is masked for unknown).
    public var labels: [Int8]
    public var source: String
    public var isDev: Bool
    /// How many of the 8 categories the row labels (known 0 or 1).
    public var labeledCategories: Int

    public init(text: String, labels: [Int8], source: String, isDev: Bool, labeledCategories: Int? = nil) {
        self.text = text
        self.labels = labels
        self.source = source
        self.isDev = isDev
        self.labeledCategories = labeledCategories ?? labels.prefix(Head.any.rawValue).filter { $0 >= 0 }.count
    }

    /// A row written by the project: its labels name every category it knows, and it also
    /// speaks for the two rule categories (`sexual/minors`, `violence/graphic`: 0 unless said).
    ///
    /// ```swift
    /// let row = LabeledRow(projectText: "Tie a bowline knot.", labels: zeros, source: "warden_requests", isDev: false)
    /// row.labeledCategories   // 8
    /// ```
    public init(projectText text: String, labels: [Int8], source: String, isDev: Bool) {
        self.init(text: text, labels: labels, source: source, isDev: isDev,
                  labeledCategories: labels.prefix(Head.any.rawValue).filter { $0 >= 0 }.count + 2)
    }

    /// The labels of a project-written row: `positive` 1 (and `any`), the `unknown` categories
    /// unknown, every other category 0; without `positive`, a harmless row (0 everywhere).
    ///
    /// ```swift
    /// LabeledRow.projectLabels(.selfHarm, unknown: [.violence])   // self-harm 1, violence -1, rest 0
    /// ```
    public static func projectLabels(_ positive: ModerationCategory? = nil, unknown: [ModerationCategory] = []) -> [Int8] {
        var labels = [Int8](repeating: 0, count: headSlots)
        guard let positive else { return labels }
        labels[Head(category: positive)!.rawValue] = 1
        labels[Head.any.rawValue] = 1
        for category in unknown { labels[Head(category: category)!.rawValue] = -1 }
        return labels
    }

    /// True when the row has at least one known label.
    public var anyKnown: Bool { labels[Head.any.rawValue] >= 0 }
}

public enum DatasetReader {
    /// Builds the per-slot labels of a row from its `labels` object and `orig`.
    ///
    /// The `any` slot is 1 when any category is 1, or when `labels` is empty but the source flags
    /// the row (`orig.toxicity == 1`, ToxicChat; `orig.label == "unsafe"`, XSTest); it is 0 when
    /// at least one category is labeled and none is 1; otherwise unknown.
    /// `sexual/minors` and `violence/graphic` labels are read but have no head (rules).
    public static func slotLabels(labels: [String: Any], orig: [String: Any]?) -> [Int8] {
        var out = [Int8](repeating: -1, count: headSlots)
        var anyPos = false
        var anyLabeled = false
        for (k, v) in labels {
            guard let cat = ModerationCategory(rawValue: k) else { continue }
            let y: Int8 = ((v as? NSNumber)?.doubleValue ?? 0) >= 0.5 ? 1 : 0
            anyLabeled = true
            if y == 1 { anyPos = true }
            if let h = Head(category: cat) { out[h.rawValue] = y }
        }
        if anyPos { out[Head.any.rawValue] = 1 }
        else if anyLabeled { out[Head.any.rawValue] = 0 }
        else if let orig {
            let tox = (orig["toxicity"] as? NSNumber)?.intValue == 1
            let unsafe = (orig["label"] as? String) == "unsafe"
            if tox || unsafe { out[Head.any.rawValue] = 1 }
        }
        return out
    }

    /// Reads every row of a JSONL(.gz) file. `defaultSource` is used when a row has no `source`.
    public static func read(path: String, defaultSource: String? = nil) throws -> [LabeledRow] {
        let reader = try LineReader(path: path)
        var rows: [LabeledRow] = []
        let fallback = defaultSource ?? URL(fileURLWithPath: path).lastPathComponent
            .replacingOccurrences(of: ".gz", with: "").replacingOccurrences(of: ".jsonl", with: "")
        while let line = try reader.nextLine() {
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            guard String(validating: line, as: UTF8.self) != nil else {
                throw DatasetError(path: path, line: reader.lineNumber, reason: "invalid UTF-8")
            }
            let obj: [String: Any]
            do {
                guard let o = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                    throw DatasetError(path: path, line: reader.lineNumber, reason: "row is not a JSON object")
                }
                obj = o
            } catch let e as DatasetError { throw e } catch {
                throw DatasetError(path: path, line: reader.lineNumber, reason: "invalid JSON")
            }
            guard let text = obj["text"] as? String else {
                throw DatasetError(path: path, line: reader.lineNumber, reason: "missing string field \"text\"")
            }
            let labels = obj["labels"] as? [String: Any] ?? [:]
            let source = obj["source"] as? String ?? fallback
            let split = obj["split"] as? String ?? "train"
            let known = labels.keys.filter { ModerationCategory(rawValue: $0) != nil }.count
            rows.append(LabeledRow(text: text, labels: slotLabels(labels: labels, orig: obj["orig"] as? [String: Any]),
                                   source: source, isDev: split == "dev", labeledCategories: known))
        }
        return rows
    }
}
