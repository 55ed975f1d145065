import ArgumentParser
import Classifier
import Foundation
import Policy
import WardenCore

/// `warden-bench policy`: cost of the policy module's hot-path calls, alone and with the built-in
/// classifier, and the streaming cadence's figures (scorings per stream, largest unscored run).
struct PolicyBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "policy", abstract: "Policy decisions, block lists, input and stream screening costs.")
    @Option(help: "config/policy.example.yaml (or another policy.yaml) to load and time.") var policy = "config/policy.example.yaml"
    @Option(help: "Model file (default: the bundled one).") var model: String?

    func run() throws {
        let clf = try model.map { try ContentClassifier.load(contentsOf: URL(fileURLWithPath: $0)) } ?? ContentClassifier.bundled()
        print(try PolicyBench.run(policyPath: policy, classifier: clf))
    }
}

enum PolicyBench {
    /// A kilobyte of ordinary prose (no violating content), for the screening costs.
    static let kilobyte: String = {
        let sentence = "The committee reviewed the quarterly figures and agreed to revisit the budget next month. "
        return String(String(repeating: sentence, count: 12).prefix(1024))
    }()

    static func run(policyPath: String, classifier: any TextClassifying) throws -> String {
        var out: [String] = []
        let text = try String(contentsOfFile: policyPath, encoding: .utf8)
        let loadNs = time(iterations: 200) { _ = try? PolicyDocument.parsePlatform(text) }
        let platform = try PolicyDocument.parsePlatform(text)
        out.append(line("load + validate \(policyPath)", loadNs))

        var app = AppPolicy()
        app.rules[.violence] = DirectionalRules(output: PolicyRule(flagAt: 0.6, blockAt: 0.95))
        app.blockLists.input.terms = (0..<20).map { "blocked term \($0)" }
        app.blockLists.input.regexes = [#"\bSKU-\d{4}\b"#, #"(?i)project\s+nightshade"#, #"\b\d{3}-\d{2}-\d{4}\b"#]
        app.blockLists.output = app.blockLists.input
        let resolveNs = time(iterations: 2_000) {
            _ = PolicyResolver.resolve(bounds: platform.bounds, defaults: platform.defaults, app: app, version: .init(platform: 1, app: 1))
        }
        out.append(line("resolve (bounds, defaults, app)", resolveNs))
        let effective = PolicyResolver.resolve(bounds: platform.bounds, defaults: platform.defaults, app: app, version: .init(platform: 1, app: 1))
        let compiled = try CompiledPolicy(effective)

        let scores: [ModerationCategory: Double] = [.hate: 0.61, .violence: 0.2, .sexual: 0.05]
        out.append(line("decide (scores given)", time(iterations: 100_000) { _ = effective.decide(.input, scores: scores) }))
        let decision = effective.decide(.input, scores: scores)
        out.append(line("decision record JSON", time(iterations: 20_000) { _ = decision.record.json }))
        out.append(line("block list, 20 terms + 3 regexes, 1 KB", time(iterations: 2_000) { _ = compiled.inputBlockList.hits(in: kilobyte) }))
        let termsOnly = try BlockListMatcher(BlockListSpec(terms: app.blockLists.input.terms))
        out.append(line("block list, 20 terms only, 1 KB", time(iterations: 2_000) { _ = termsOnly.hits(in: kilobyte) }))
        out.append(line("classifier alone, 1 KB", time(iterations: 2_000) { _ = classifier.moderate(kilobyte) }))
        let messages = [ChatText(role: "system", text: "You are a helpful assistant."), ChatText(role: "user", text: kilobyte)]
        out.append(line("screenInput: 2 messages (1 KB user), classifier + lists + decide", time(iterations: 2_000) {
            _ = compiled.screenInput(messages, classifier: classifier)
        }))

        // Streaming: a 1 KB completion in 4-character deltas (about one token each).
        let deltas = stride(from: 0, to: kilobyte.count, by: 4).map { i -> String in
            let start = kilobyte.index(kilobyte.startIndex, offsetBy: i)
            return String(kilobyte[start..<(kilobyte.index(start, offsetBy: 4, limitedBy: kilobyte.endIndex) ?? kilobyte.endIndex)])
        }
        var scorings = 0, largestGap = 0
        var perChunkWorst = 0.0
        let clock = ContinuousClock()
        let streamNs = time(iterations: 200) {
            var cadence = compiled.streamCadence()
            var last = 0
            for delta in deltas {
                let t0 = clock.now
                for window in cadence.feed(delta) {
                    _ = compiled.screenOutput(window.text, classifier: classifier)
                    scorings += 1
                    largestGap = max(largestGap, window.end - last)
                    last = window.end
                }
                perChunkWorst = max(perChunkWorst, nanoseconds(clock.now - t0))
            }
            if let window = cadence.finish() { _ = compiled.screenOutput(window.text, classifier: classifier); scorings += 1 }
        }
        let s = effective.streaming
        out.append(line("stream of 1 KB in \(deltas.count) deltas: all screening", streamNs))
        out.append(line("  per delta, mean", streamNs / Double(deltas.count)))
        out.append(line("  per delta, worst (one that triggers a scoring)", perChunkWorst))
        out.append("  scorings per stream: \(scorings / 200) (every \(s.rescoreEveryChars.map(String.init) ?? "-") chars, sentence ends \(s.rescoreAtSentenceEnd), window \(s.windowChars)); largest unscored run: \(largestGap) chars")
        return "Policy module costs (mean per call; \(classifier.modelName))\n" + out.joined(separator: "\n")
    }

    static func line(_ label: String, _ ns: Double) -> String {
        let padded = label.count >= 66 ? label : label + String(repeating: " ", count: 66 - label.count)
        return padded + (ns >= 10_000 ? String(format: "%10.2f µs", ns / 1000) : String(format: "%10.0f ns", ns))
    }

    /// Mean nanoseconds per call over `iterations` (after one warm-up call).
    static func time(iterations: Int, _ body: () -> Void) -> Double {
        body()
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<iterations { body() }
        return nanoseconds(clock.now - start) / Double(iterations)
    }

    static func nanoseconds(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9
    }
}
