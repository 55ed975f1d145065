import ArgumentParser
import Classifier
import Filter
import Foundation
import WardenCore

/// `warden filter`: filter a training corpus with the classifier, with a report and a bias audit.
///
/// ```
/// warden filter --in corpus/ --out kept.jsonl.gz --removed removed.jsonl.gz --report filter-report
/// warden filter --in a.jsonl.gz --text-field content --thresholds t.yaml --level span --dedup near --annotate ...
/// warden filter ... --resume        # continue after a kill, from the last checkpoint
/// ```
struct FilterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filter",
        abstract: "Filter a training corpus with the classifier; report what was removed and what it cost each identity group.",
        discussion: """
        Inputs: JSONL (.jsonl/.ndjson/.json), plain text (.txt/.text), gzipped or not, and directories of these.
        Outputs are JSONL (gzipped when the name ends in .gz). The report directory gets report.html and report.json.
        Exit codes: 0 done, 1 bias-audit warning with --fail-on-bias-warning, 64 bad thresholds, 65 bad input with --strict, 66 model or input missing, 73 output or checkpoint error.
        """
    )

    @Option(name: .customLong("in"), parsing: .upToNextOption, help: "Input files or directories.")
    var inputs: [String]
    @Option(help: "Where kept documents go (JSONL; .gz compresses).") var out: String
    @Option(help: "Where removed documents (and dropped duplicates) go, each with its scores and reason.") var removed: String
    @Option(help: "Report directory (report.html, report.json, the checkpoint).") var report: String = "filter-report"

    @Option(help: "JSONL field holding the text (dots for nested objects: meta.body).") var textField = "text"
    @Option(help: "Plain-text files: one document per `line` or per blank-line separated `paragraph`.") var textUnit: TextUnit = .line
    @Option(help: "Format of explicitly named files with an unknown extension: jsonl, lines or paragraphs.") var format: CorpusFormat = .jsonl

    @Option(help: "One removal threshold for every category (default: the model's own thresholds).") var threshold: Double?
    @Option(help: "YAML of per-category thresholds: `hate: 0.4`, `violence: off`, `default: 0.6`.") var thresholds: String?
    @Option(help: "Decide per `document`, or per `span` (sentences; mask or drop only the violating ones).") var level: Level = .document
    @Option(help: "Span level: `mask` violating spans or `drop` them.") var spanAction: SpanAction = .mask
    @Option(help: "Span level: remove the whole document when flagged spans exceed this share of its characters.") var maxFlaggedFraction = 0.5
    @Option(help: "Span level: the text that replaces a masked span.") var maskText = "[FILTERED]"
    @Flag(help: "Write the decision and scores into each kept document too (removed ones always carry them).") var annotate = false
    @Option(help: "Drop duplicates from the kept corpus: off, exact, or near (MinHash, Jaccard ≈ 0.7+).") var dedup: DedupMode = .off

    @Flag(help: "Stop at the first invalid record (bad JSON or UTF-8, missing text field, oversized) instead of skipping it.") var strict = false
    @Option(help: "Records longer than this many bytes are skipped and reported, never held in memory.") var maxRecordBytes = 16 << 20
    @Option(help: "Worker threads (default: all cores).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Flag(help: "Continue an interrupted run from its checkpoint (same inputs and options).") var resume = false
    @Option(help: "Checkpoint file (default: <report>/filter.checkpoint.json).") var checkpoint: String?
    @Option(help: "Write a checkpoint every this many MB of input.") var checkpointMb = 256

    @Option(help: "Bias audit: warn when a group's removal rate exceeds the overall rate by this factor.") var biasFactor = 2.0
    @Option(help: "Bias audit: corpus groups need this many mentioning documents to be warned about.") var biasMinDocuments = 30
    @Flag(help: "Exit with status 1 when the bias audit warns.") var failOnBiasWarning = false
    @Flag(help: "No progress bar.") var quiet = false
    @Option(help: "Model file (default: $WARDEN_MODEL, ./Models/warden-fast.bin, or next to the executable).") var model: String?

    enum TextUnit: String, ExpressibleByArgument { case line, paragraph }
    enum Level: String, ExpressibleByArgument { case document, span }

    func validate() throws {
        if threshold != nil && thresholds != nil { throw ValidationError("use --threshold or --thresholds, not both") }
        if let t = threshold, !(0...1).contains(t) { throw ValidationError("--threshold \(t) must be in [0, 1]") }
        if !(0...1).contains(maxFlaggedFraction) { throw ValidationError("--max-flagged-fraction must be in [0, 1]") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if maxRecordBytes < 1024 { throw ValidationError("--max-record-bytes must be at least 1024") }
        if checkpointMb < 1 { throw ValidationError("--checkpoint-mb must be at least 1") }
    }

    func run() throws {
        let clf: ContentClassifier
        do {
            clf = try model.map { try ContentClassifier.load(contentsOf: URL(fileURLWithPath: $0)) } ?? ContentClassifier.bundled()
        } catch {
            fail("\(error)", code: 66)
        }
        do {
            let (files, skipped) = try CorpusFiles.expand(inputs, textUnit: textUnit == .line ? .lines : .paragraphs, fallback: format)
            if files.isEmpty { fail("no corpus files found in \(inputs.joined(separator: ", ")) (.jsonl, .ndjson, .json, .txt, .text, optionally .gz)", code: 66) }
            var policyThresholds = FilterThresholds(clf.defaultThresholds)
            if let t = threshold { policyThresholds = .uniform(t) }
            if let path = thresholds { policyThresholds = try FilterThresholds.load(path: path, base: policyThresholds) }
            let spans = level == .span ? SpanPolicy(action: spanAction, maxFlaggedFraction: maxFlaggedFraction, maskText: maskText) : nil
            let policy = FilterPolicy(thresholds: policyThresholds, spans: spans)
            var options = FilterOptions(inputs: files, keptPath: out, removedPath: removed,
                                        checkpointPath: checkpoint ?? (report as NSString).appendingPathComponent("filter.checkpoint.json"),
                                        policy: policy)
            options.textField = textField
            options.dedup = dedup
            options.annotate = annotate
            options.strict = strict
            options.threads = threads
            options.maxRecordBytes = maxRecordBytes
            options.checkpointEveryBatches = max(1, checkpointMb * 1_000_000 / options.batchBytes)
            options.resume = resume
            try FileManager.default.createDirectory(atPath: report, withIntermediateDirectories: true)

            let processor = DocumentProcessor(scorer: clf, policy: policy, textField: textField, dedup: dedup)
            let bar = ProgressBar(enabled: !quiet)
            let tally = try FilterRun(options: options, processor: processor).run { bar.show($0) }
            let elapsed = bar.lastElapsed
            let audit = FilterBiasAudit.run(tally: tally, processor: processor, factor: biasFactor, minDocuments: biasMinDocuments)
            let result = FilterReport(options: options, scorer: clf.modelName, tally: tally, audit: audit,
                                      elapsed: elapsed, skippedFiles: skipped)
            try result.write(to: report)
            print(result.summary)
            print("report: \((report as NSString).appendingPathComponent("report.html"))")
            if failOnBiasWarning && !audit.warnings.isEmpty { throw ExitCode(1) }
        } catch let e as FilterError {
            switch e {
            case .input: fail("\(e)", code: strict ? 65 : 66)
            case .thresholds: fail("\(e)", code: 64)
            default: fail("\(e)", code: 73)
            }
        } catch let e as CorpusPathError {
            fail("\(e)", code: 66)
        }
    }

    func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(code)
    }
}

extension CorpusFormat: ExpressibleByArgument {}
extension SpanAction: ExpressibleByArgument {}
extension DedupMode: ExpressibleByArgument {}

/// The progress line on standard error: bytes and documents, rate, share done and ETA. Redrawn in
/// place on a terminal; a line every 10 seconds otherwise (logs).
final class ProgressBar {
    let enabled: Bool
    let tty = isatty(2) != 0
    var lastPrinted = -100.0
    var lastElapsed = 0.0

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ p: FilterProgress) {
        lastElapsed = p.elapsed
        guard enabled, p.finished || p.elapsed - lastPrinted >= (tty ? 0.25 : 10) else { return }
        lastPrinted = p.elapsed
        let frac = p.diskBytesTotal > 0 ? min(1, Double(p.diskBytesDone) / Double(p.diskBytesTotal)) : 0
        let rate = p.elapsed > 0 ? Double(p.bytes) / p.elapsed / 1e6 : 0
        let eta = frac > 0.001 && !p.finished ? p.elapsed * (1 - frac) / frac : 0
        let width = 24
        let filled = Int(frac * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "[%@] %5.1f%%  %.1f MB  %d docs  %.1f MB/s  ETA %@", bar, 100 * frac, Double(p.bytes) / 1e6,
                          p.documents, rate, Self.duration(eta))
        FileHandle.standardError.write(Data(((tty ? "\r" : "") + line + (tty && !p.finished ? "" : "\n")).utf8))
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, t / 60 % 60) : String(format: "%dm%02ds", t / 60, t % 60)
    }
}
