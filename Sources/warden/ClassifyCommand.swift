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
/// warden classify --probe all                 # every category probe: positives vs look-alikes (check before shipping a model)
/// warden classify --probe threats              # one probe: explicit threats vs violent-word look-alikes
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

    @Option(help: "Score the project's category probes (CategoryProbe: texts that must score a category beside look-alikes that must not be flagged) and print their reports: all, or names separated by commas (\(CategoryProbe.all.map(\.name).joined(separator: ", "))).")
    var probe: String?

    @Flag(help: "The threats probe alone (same as --probe threats).")
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

    /// The probes `--probe` or `--threat-probe` name (nil: neither was given).
    func selectedProbes() throws -> [CategoryProbe]? {
        if threatProbe {
            guard probe == nil else { throw ValidationError("--threat-probe is --probe threats: give one of them") }
            return [.threats]
        }
        guard let probe else { return nil }
        if probe == "all" { return CategoryProbe.all }
        let known = "all, or \(CategoryProbe.all.map(\.name).joined(separator: ", "))"
        let names = probe.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty else { throw ValidationError("--probe: name the probes (\(known))") }
        return try names.map { name in
            guard let p = CategoryProbe.named(name) else { throw ValidationError("--probe: no probe named '\(name)' (\(known))") }
            return p
        }
    }

    func run() throws {
        let probes = try selectedProbes()
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
        if let probes {
            let reports = probes.map { $0.run(scorer) }
            for r in reports {
                print("Probe \(r.probe) of \(scorer.modelName) (tier \(tier)): \(r.positives) texts that must score \(r.category.rawValue), \(r.lookAlikes) look-alikes\n")
                print(r.markdown)
            }
            if reports.count > 1 { print(reports.map(\.summary).joined(separator: "\n")) }
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
