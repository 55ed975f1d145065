import ArgumentParser
import Classifier
import Foundation
import WardenCore

/// `warden classify`: score texts with the built-in classifier.
///
/// ```
/// warden classify "some text"                 # one JSON object per argument
/// cat lines.txt | warden classify             # one JSON object per input line
/// warden classify --jsonl rows.jsonl          # {"input": "..."} rows in, results out, streaming
/// warden classify --audit                     # bias audit on benign identity sentences
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

    @Option(help: "Model file (default: $WARDEN_MODEL, ./Models/warden-fast.bin, or next to the executable).")
    var model: String?

    func run() throws {
        let clf: ContentClassifier
        do {
            clf = try model.map { try ContentClassifier.load(contentsOf: URL(fileURLWithPath: $0)) } ?? ContentClassifier.bundled()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(66)
        }
        if audit {
            let report = BiasAudit.run(clf)
            print("Bias audit of \(clf.modelName): \(BiasAudit.templates.count) benign templates × \(report.groups.count) groups\n")
            print(report.markdown)
            return
        }
        if jsonl {
            let files = texts.isEmpty ? ["-"] : texts
            for path in files {
                let reader = try LineReader(path: path)
                while let line = try reader.nextLine() {
                    if line.isEmpty { continue }
                    do {
                        let input = try ModerationJSON.parseInput(line, line: reader.lineNumber)
                        print(ModerationJSON.format(clf.moderate(input)))
                    } catch let e as ModerationJSON.InputError {
                        FileHandle.standardError.write(Data("error: \(path == "-" ? "stdin" : path): \(e)\n".utf8))
                        throw ExitCode(65)
                    }
                }
            }
            return
        }
        if !texts.isEmpty {
            for t in texts { print(ModerationJSON.format(clf.moderate(t))) }
            return
        }
        let reader = try LineReader(path: "-")
        while let line = try reader.nextLine() {
            guard let text = String(validating: line, as: UTF8.self) else {
                FileHandle.standardError.write(Data("error: stdin: line \(reader.lineNumber): invalid UTF-8\n".utf8))
                throw ExitCode(65)
            }
            print(ModerationJSON.format(clf.moderate(text)))
        }
    }
}
