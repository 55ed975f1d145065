import Foundation
import WardenCore
@testable import Classifier
@testable import Filter

/// A scorer with known answers: whole-word keywords set category scores; everything else 0.01.
/// `toxicword` → hate 0.9, `borderline` → hate 0.55, `violentword` → violence 0.8, `lewdword` → sexual 0.7.
struct KeywordScorer: CorpusScorer {
    var scorerName: String { "keyword-stub" }
    var defaultThresholds: [ModerationCategory: Double] {
        Dictionary(uniqueKeysWithValues: ModerationCategory.allCases.map { ($0, 0.5) })
    }
    /// Extra words that score as hate 0.9 (e.g. a group name, to test the bias audit).
    var alsoHateful: Set<String> = []

    func scores(_ text: NormalizedText) -> [Double] {
        var s = [Double](repeating: 0.01, count: 8)
        for w in text.words {
            switch w {
            case "toxicword": s[2] = max(s[2], 0.9)
            case "borderline": s[2] = max(s[2], 0.55)
            case "violentword": s[6] = max(s[6], 0.8)
            case "lewdword": s[0] = max(s[0], 0.7)
            default: if alsoHateful.contains(w) { s[2] = max(s[2], 0.9) }
            }
        }
        return s
    }
}

/// A fresh temporary directory, removed by `cleanup()`.
struct TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "warden-filter-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    func write(_ name: String, _ text: String) -> String { write(name, Array(text.utf8)) }
    @discardableResult func write(_ name: String, _ bytes: [UInt8]) -> String {
        let p = file(name)
        if name.hasSuffix(".gz") {
            let sink = try! OutputSink(path: p, resumeAt: nil)
            // OutputSink adds a newline per line; write the bytes as one "line" minus its final newline.
            var b = bytes
            if b.last == 0x0A { b.removeLast() }
            try! sink.writeLine(b)
            try! sink.close()
        } else {
            _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        }
        return p
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// Every line of a (gzip or plain) file.
func readLines(_ path: String) throws -> [String] {
    let r = try BoundedLineReader(path: path, maxLineBytes: 1 << 30)
    var out: [String] = []
    while let l = try r.next() { out.append(String(decoding: l.bytes, as: UTF8.self)) }
    return out
}

func fileBytes(_ path: String) -> [UInt8] {
    Array(FileManager.default.contents(atPath: path) ?? Data())
}

func jsonl(_ texts: [String]) -> String {
    texts.map { t in
        var o: [UInt8] = []
        JSONText.appendString(t, to: &o)
        return "{\"text\":" + String(decoding: o, as: UTF8.self) + "}"
    }.joined(separator: "\n") + "\n"
}

func options(_ dir: TempDir, inputs: [String], threshold: Double = 0.5, textUnit: CorpusFormat = .lines) throws -> FilterOptions {
    let files = try CorpusFiles.expand(inputs, textUnit: textUnit).files
    return FilterOptions(inputs: files, keptPath: dir.file("kept.jsonl.gz"), removedPath: dir.file("removed.jsonl.gz"),
                         checkpointPath: dir.file("cp.json"), policy: FilterPolicy(thresholds: .uniform(threshold)))
}
