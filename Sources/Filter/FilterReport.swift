import Foundation
import WardenCore

/// Mean and tail toxicity of a set of documents (toxicity = a document's highest category score).
public struct ToxicitySummary: Codable, Sendable, Equatable {
    public var documents: Int
    public var mean: Double
    public var p95: Double
    public var p99: Double
    public var max: Double
    /// Share of documents with toxicity ≥ 0.5.
    public var rateAtLeastHalf: Double
    public var categoryMeans: [String: Double]

    public init(_ s: ToxicityStats) {
        documents = s.documents
        mean = s.mean
        p95 = s.p95
        p99 = s.p99
        max = s.max
        rateAtLeastHalf = s.rateAtLeastHalf
        categoryMeans = Dictionary(uniqueKeysWithValues: ModerationCategory.allCases.map { ($0.rawValue, s.categoryMeans[$0.index]) })
    }
}

/// The report of a filter run (written as `report.json`, rendered as `report.html`): volumes in,
/// kept, removed (by category), masked and deduplicated; score histograms; examples; the effect of
/// the intervention on toxicity; the bias audit; skipped records with file and line.
///
/// ```swift
/// let report = FilterReport(options: opts, scorer: "warden-fast-1", tally: tally, audit: audit, elapsed: 12.5, skippedFiles: [])
/// try report.write(to: "report/")   // report.json + report.html
/// ```
public struct FilterReport: Codable, Sendable {
    public var tool = "warden filter"
    public var createdAt: String
    public var model: String
    public var inputs: [CorpusFile]
    public var skippedFiles: [String]
    public var keptPath: String
    public var removedPath: String
    /// Category → threshold; categories absent are not filtered.
    public var thresholds: [String: Double]
    public var level: String
    public var spans: SpanPolicy?
    public var dedup: DedupMode
    public var threads: Int
    public var elapsedSeconds: Double
    public var megabytesPerSecond: Double
    public var inputToxicity: ToxicitySummary
    public var keptToxicity: ToxicitySummary
    public var tally: FilterTally
    public var audit: FilterBiasAudit

    public init(options: FilterOptions, scorer: String, tally: FilterTally, audit: FilterBiasAudit,
                elapsed: Double, skippedFiles: [String], now: Date = Date()) {
        let f = ISO8601DateFormatter()
        createdAt = f.string(from: now)
        model = scorer
        inputs = options.inputs
        self.skippedFiles = skippedFiles
        keptPath = options.keptPath
        removedPath = options.removedPath
        var t: [String: Double] = [:]
        for c in ModerationCategory.allCases { if let v = options.policy.thresholds.threshold(c) { t[c.rawValue] = v } }
        thresholds = t
        level = options.policy.spans == nil ? "document" : "span"
        spans = options.policy.spans
        dedup = options.dedup
        threads = options.threads
        elapsedSeconds = elapsed
        megabytesPerSecond = elapsed > 0 ? Double(tally.input.bytes) / elapsed / 1e6 : 0
        inputToxicity = ToxicitySummary(tally.inputToxicity)
        keptToxicity = ToxicitySummary(tally.keptToxicity)
        self.tally = tally
        self.audit = audit
    }

    public func json() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try enc.encode(self)
    }

    /// Writes `report.json` and `report.html` into `directory` (created if needed).
    public func write(to directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try json().write(to: URL(fileURLWithPath: directory).appendingPathComponent("report.json"))
            try Data(ReportHTML.render(self).utf8).write(to: URL(fileURLWithPath: directory).appendingPathComponent("report.html"))
        } catch {
            throw FilterError.output(path: directory, reason: "cannot write the report: \(error.localizedDescription)")
        }
    }

    /// A few lines for the terminal.
    public var summary: String {
        let t = tally
        func mb(_ b: Int) -> String { String(format: "%.1f MB", Double(b) / 1e6) }
        func pct(_ a: Int, _ b: Int) -> String { String(format: "%.2f%%", b == 0 ? 0 : 100 * Double(a) / Double(b)) }
        var s = "documents in: \(t.input.documents) (\(mb(t.input.bytes))) in \(String(format: "%.1f", elapsedSeconds)) s, \(String(format: "%.1f", megabytesPerSecond)) MB/s\n"
        s += "kept: \(t.kept.documents) (\(mb(t.kept.bytes)))"
        if t.masked.documents > 0 { s += ", of which \(t.masked.documents) with \(t.maskedSpans) masked spans" }
        s += "\nremoved: \(t.removed.documents) (\(pct(t.removed.documents, t.input.documents)))"
        let cats = ModerationCategory.allCases.filter { t.removedByCategory[$0.index].documents > 0 }
            .map { "\($0.rawValue) \(t.removedByCategory[$0.index].documents)" }
        if !cats.isEmpty { s += ": " + cats.joined(separator: ", ") }
        if dedup != .off { s += "\nduplicates dropped: \(t.duplicatesExact.documents) exact, \(t.duplicatesNear.documents) near" }
        if t.problemTotal > 0 {
            s += "\nskipped records: \(t.problemTotal) (" + t.problemCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        }
        s += String(format: "\ntoxicity (max category score) input → kept: mean %.4f → %.4f, p95 %.3f → %.3f, max %.3f → %.3f",
                    inputToxicity.mean, keptToxicity.mean, inputToxicity.p95, keptToxicity.p95, inputToxicity.max, keptToxicity.max)
        for w in audit.warnings { s += "\nWARNING bias audit: " + w }
        return s
    }
}
