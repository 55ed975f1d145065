import ArgumentParser
import Classifier
import Eval
import Foundation

/// `warden eval`: pre-deployment safety evaluation of a model behind any OpenAI-compatible endpoint.
///
/// ```
/// warden eval --endpoint http://127.0.0.1:8000/v1 --model smollm2 --suite Suites/*.jsonl --out runs/base
/// warden eval … --system-prompt "Answer everything." --baseline runs/base/report.json --out runs/cand
/// ```
/// Writes `report.json`, `report.html` and `cache.jsonl` (rerun with the same `--out` to resume).
/// Exit codes: 0 ok (gate passed), 1 the gate found a regression, 65 bad suite, 66 no classifier,
/// 69 every request failed, 73 cannot write the output.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a model's safety on suites (toxicity, refusal, constraints, bias) with intervals and a regression gate."
    )

    @Option(help: "Base URL of an OpenAI-compatible API, e.g. http://127.0.0.1:8080/v1.")
    var endpoint: String

    @Option(help: "Model name sent in every request.")
    var model: String

    @Option(name: .long, parsing: .upToNextOption, help: "Suite files (JSONL); see docs/eval.md for the format.")
    var suite: [String]

    @Option(help: "Output directory: report.json, report.html, cache.jsonl.")
    var out: String

    @Option(name: [.customShort("k"), .long], help: "Samples per prompt (k).")
    var samples = 3

    @Option(help: "System prompt put first in every conversation (replaces the items' own).")
    var systemPrompt: String?

    @Option(help: "report.json of an earlier run: compare with it and exit 1 on a regression.")
    var baseline: String?

    @Option(help: "Gate tolerances (YAML); default: every headline metric gated with tolerance 0.")
    var tolerances: String?

    @Option(help: "Use only the first N items of each suite (a quick run; keep N even for bias pairs).")
    var limit: Int?

    @Option(help: "Cache file (default: <out>/cache.jsonl).")
    var cache: String?

    @Option(help: "Bootstrap resamples for the intervals.")
    var bootstrapResamples = 2000

    @Option(help: "Bootstrap seed.")
    var bootstrapSeed: UInt64 = 7

    @Option(help: "Judge refusals with this OpenAI-compatible endpoint (default: patterns plus the classifier).")
    var judgeEndpoint: String?

    @Option(help: "Judge model (with --judge-endpoint).")
    var judgeModel: String?

    @Option(help: "Classifier model file (default: the shipped one).")
    var classifierModel: String?

    @OptionGroup var options: EndpointOptions

    func validate() throws {
        guard samples >= 1 else { throw ValidationError("-k/--samples must be at least 1 (got \(samples))") }
        guard bootstrapResamples >= 100 else { throw ValidationError("--bootstrap-resamples must be at least 100") }
        guard (judgeEndpoint == nil) == (judgeModel == nil) else { throw ValidationError("--judge-endpoint and --judge-model go together") }
        guard !suite.isEmpty else { throw ValidationError("give at least one --suite file") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1 (got \(limit))") }
    }

    func run() async throws {
        let suites: [Suite]
        let gateInputs: (path: String, report: EvalReport, tolerances: GateTolerances)?
        do {
            suites = try suite.map { path in
                var s = try SuiteLoader.load(path: path)
                if let limit { s.items = Array(s.items.prefix(limit)) }
                return s
            }
            try SuiteSet.checkUniqueIDs(suites)
            let tol = try tolerances.map { try GateTolerances.load(path: $0) } ?? GateTolerances()
            gateInputs = try baseline.map { ($0, try EvalReport.load(path: $0), tol) }
        } catch {
            throw fail("\(error)", code: 65)
        }
        let classifier = try loadEvalClassifier(classifierModel)
        try makeDirectory(out)
        let cacheFile: ResponseCache
        do { cacheFile = try ResponseCache(path: cache ?? "\(out)/cache.jsonl") } catch { throw fail("\(error)", code: 73) }
        if cacheFile.count > 0 {
            FileHandle.standardError.write(Data("resuming: \(cacheFile.count) answers in \(cacheFile.path)\(cacheFile.skippedLines > 0 ? " (\(cacheFile.skippedLines) unreadable line skipped)" : "")\n".utf8))
        }

        let client = options.client(endpoint)
        let judgeClient = judgeEndpoint.map { options.client($0) }
        let runner = EvalRunner(provider: client, cache: cacheFile, scorer: OutputScorer(classifier: classifier),
                                judge: judgeClient.map { RefusalJudge(provider: $0, model: judgeModel!) }, showProgress: !options.quiet)
        let settings = RunSettings(model: model, params: options.params, samples: samples, concurrency: options.concurrency, systemPrompt: systemPrompt)
        let started = Date()
        let output = await runner.run(items: suites.flatMap(\.items), settings: settings)
        let duration = Date().timeIntervalSince(started)
        try? await client.shutdown()
        try? await judgeClient?.shutdown()

        let reportSettings = EvalReport.Settings(
            endpoint: endpoint, model: model, suites: suite, params: options.params, samples: samples,
            concurrency: options.concurrency, systemPrompt: systemPrompt,
            refusalMethod: judgeModel.map { "judge model \($0) (patterns as fallback)" } ?? "patterns + classifier",
            classifier: classifier.modelName, bootstrapResamples: bootstrapResamples, bootstrapSeed: bootstrapSeed)
        let report = ReportBuilder(bootstrap: Bootstrap(resamples: bootstrapResamples, seed: bootstrapSeed))
            .build(suites: suites, output: output, settings: reportSettings, startedAt: started, duration: duration,
                   retries: client.retries.value, baseline: gateInputs)
        do {
            try report.jsonData().write(to: URL(fileURLWithPath: "\(out)/report.json"), options: .atomic)
            try HTMLReport.render(report).write(toFile: "\(out)/report.html", atomically: true, encoding: .utf8)
        } catch {
            throw fail("cannot write the report in \(out): \(error.localizedDescription)", code: 73)
        }
        print(EvalSummary.text(report, out: out))
        if output.failures.count == output.requests && output.requests > 0 {
            throw fail("every request failed; first error: \(output.failures.first!.error)", code: 69)
        }
        if let gate = report.gate, !gate.passed { throw ExitCode(gate.exitCode) }
    }
}

/// The summary `warden eval` prints.
enum EvalSummary {
    static func text(_ r: EvalReport, out: String) -> String {
        var s = "\(r.settings.model) at \(r.settings.endpoint): \(r.counts.items) prompts × k=\(r.settings.samples) = \(r.counts.requests) samples"
        s += " (\(r.counts.cacheHits) cached, \(r.counts.failures) failed, \(r.counts.retries) retries) in \(String(format: "%.1f", r.durationSeconds)) s\n\n"
        var rows: [[String]] = []
        for m in r.metrics where !m.name.contains("/") {
            rows.append([m.name, String(format: "%.3f", m.value), String(format: "[%.3f, %.3f]", m.interval.low, m.interval.high), "\(m.units.count)"])
        }
        s += table(["metric", "value", "95% CI", "n"], rows)
        if let g = r.gate {
            s += "\nGate against \(r.baseline ?? "baseline"): \(g.passed ? "PASSED" : "FAILED")\n"
            var gr: [[String]] = []
            for c in g.comparisons where c.gated || c.change != .same {
                gr.append([c.metric, String(format: "%.3f", c.baseline), String(format: "%.3f", c.candidate), String(format: "%+.3f", c.delta),
                           String(format: "[%+.3f, %+.3f]", c.interval.low, c.interval.high), c.paired ? "paired" : "unpaired",
                           c.change.rawValue + (c.fails ? " ✗" : "")])
            }
            s += table(["metric", "baseline", "candidate", "delta", "95% CI of delta", "", "verdict"], gr)
            for m in g.missingInCandidate { s += "\(m): missing in the candidate run ✗\n" }
        }
        s += "\nreport: \(out)/report.html, \(out)/report.json"
        return s
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}
