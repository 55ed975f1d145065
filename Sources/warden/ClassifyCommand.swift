import ArgumentParser
import Classifier
import Foundation
import SentenceEncoder
import WardenCore

/// `warden classify`: score texts with the built-in classifier.
///
/// ```
/// warden classify "some text"                 # one JSON object per argument
/// cat lines.txt | warden classify             # one JSON object per input line
/// warden classify --jsonl rows.jsonl          # {"input": "..."} rows in, results out, streaming
/// warden classify --audit                     # bias audit on benign identity sentences
/// warden classify --threat-probe              # explicit threats vs look-alikes (check before shipping a model)
/// warden classify --tier precise "some text"   # the precise tier (MiniLM + n-grams; `make encoder`)
/// warden classify --tier auto --jsonl rows.jsonl   # precise tier for texts the fast tier is unsure of
/// ```
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Score text with Warden's content classifier (JSON out)."
    )

    @Argument(help: "Texts to score; with --jsonl, input files (default: standard input).")
    var texts: [String] = []

    @Flag(help: "Read {\"input\": \"...\"} rows (JSONL, optionally gzipped) and write one result per row, in order.")
    var jsonl = false

    @Flag(help: "Run the bias audit (benign sentences mentioning identity groups) and print its report.")
    var audit = false

    @Flag(help: "Score the project's explicit threats and violent-word look-alikes (ThreatProbe) and print the report.")
    var threatProbe = false

    @Option(help: "Model file (default: $WARDEN_MODEL, ./Models/warden-fast.bin, or next to the executable).")
    var model: String?

    @Option(help: "fast (default), precise (every text through the encoder), or auto (precise tier for texts in the fast tier's uncertain band).")
    var tier: String = "fast"

    @Option(help: "Precise tier model file (default Models/warden-precise.bin).")
    var preciseModel: String?

    @Option(help: "Encoder directory (default $WARDEN_ENCODER_DIR or ./var/encoder).")
    var encoder: String?

    /// Lines the precise tier embeds as one batch (output order and streaming are kept).
    static let batchSize = 64

    func run() throws {
        let clf: ContentClassifier
        let scorer: TieredClassifier
        do {
            clf = try model.map { try ContentClassifier.load(contentsOf: URL(fileURLWithPath: $0)) } ?? ContentClassifier.bundled()
            guard let escalation = ["fast": Escalation.never, "precise": .always, "auto": .uncertain][tier] else {
                throw ValidationError("--tier must be fast, precise or auto, not '\(tier)'")
            }
            let precise = escalation == .never ? nil : try loadPreciseClassifier(model: preciseModel, encoder: encoder)
            scorer = TieredClassifier(fast: clf, precise: precise, escalation: escalation)
        } catch let e as ValidationError {
            throw e
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(66)
        }
        if audit {
            let report = BiasAudit.run(scorer)
            print("Bias audit of \(scorer.modelName) (tier \(tier)): \(BiasAudit.templates.count) benign templates × \(report.groups.count) groups\n")
            print(report.markdown)
            return
        }
        if threatProbe {
            let report = ThreatProbe.run(scorer)
            print("Threat probe of \(scorer.modelName) (tier \(tier)): \(report.threats) threats, \(report.lookAlikes) look-alikes\n")
            print(report.markdown)
            return
        }
        // The fast tier scores line by line; with the precise tier, lines go in batches of
        // `batchSize` (the encoder's matrix products are faster on many texts at once).
        let batch = scorer.escalation == .never ? 1 : Self.batchSize
        var pending: [String] = []
        func flush() {
            for r in scorer.moderate(pending) { print(ModerationJSON.format(r)) }
            pending.removeAll(keepingCapacity: true)
        }
        func add(_ text: String) {
            pending.append(text)
            if pending.count >= batch { flush() }
        }
        if jsonl {
            let files = texts.isEmpty ? ["-"] : texts
            for path in files {
                let reader = try LineReader(path: path)
                while let line = try reader.nextLine() {
                    if line.isEmpty { continue }
                    do {
                        add(try ModerationJSON.parseInput(line, line: reader.lineNumber))
                    } catch let e as ModerationJSON.InputError {
                        flush()
                        FileHandle.standardError.write(Data("error: \(path == "-" ? "stdin" : path): \(e)\n".utf8))
                        throw ExitCode(65)
                    }
                }
            }
            flush()
            return
        }
        if !texts.isEmpty {
            texts.forEach(add)
            flush()
            return
        }
        let reader = try LineReader(path: "-")
        while let line = try reader.nextLine() {
            guard let text = String(validating: line, as: UTF8.self) else {
                flush()
                FileHandle.standardError.write(Data("error: stdin: line \(reader.lineNumber): invalid UTF-8\n".utf8))
                throw ExitCode(65)
            }
            add(text)
        }
        flush()
    }
}
