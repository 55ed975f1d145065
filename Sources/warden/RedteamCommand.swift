import ArgumentParser
import Classifier
import Eval
import Foundation

/// `warden redteam`: attacks generated from seed requests by composing transforms, sent to a
/// target (a model, or Warden's gateway to test its screening) or, with `--screen-only`, run
/// through Warden's classifier in-process.
///
/// ```
/// warden redteam --screen-only --seeds Suites/redteam-seeds.jsonl --out runs/rt
/// warden redteam --target http://127.0.0.1:8080/v1 --model smollm2 --seeds Suites/redteam-seeds.jsonl \
///                --transforms none roleplay leetspeak roleplay+base64 --out runs/rt-gw
/// ```
/// Writes `redteam.json`, `redteam.md` and `successful-attacks.jsonl` (an eval suite).
struct RedteamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redteam",
        abstract: "Generate attacks from seed requests with transforms and measure which get through."
    )

    @Option(help: "Base URL of the target's OpenAI-compatible API (a model server, or Warden's gateway).")
    var target: String?

    @Option(help: "Model name sent to the target.")
    var model: String?

    @Option(help: "Seed requests: a suite file (JSONL; prompt or messages, category).")
    var seeds: String

    @Option(name: .long, parsing: .upToNextOption,
            help: "Transform chains, e.g. none roleplay leetspeak roleplay+base64 (default: each transform alone). Known: \(AttackTransform.allCases.map(\.rawValue).joined(separator: ", ")).")
    var transforms: [String] = []

    @Flag(help: "Run every attack through Warden's classifier in-process at its shipped thresholds (no target): finds evasions of the screening.")
    var screenOnly = false

    @Option(help: "Against a target, what counts as success: complied (not blocked, not refused) or flagged (complied with an output the classifier flags).")
    var success: String = SuccessCriterion.complied.rawValue

    @Option(help: "Output directory: redteam.json, redteam.md, successful-attacks.jsonl, cache.jsonl.")
    var out: String

    @Option(help: "Also let an attacker model rewrite each seed (OpenAI-compatible endpoint).")
    var attackerEndpoint: String?

    @Option(help: "Attacker model (with --attacker-endpoint).")
    var attackerModel: String?

    @Option(help: "Classifier model file (default: the shipped one).")
    var classifierModel: String?

    @OptionGroup var options: EndpointOptions

    func validate() throws {
        if screenOnly {
            guard target == nil else { throw ValidationError("--screen-only runs in-process; drop --target") }
        } else {
            guard target != nil, model != nil else { throw ValidationError("give --target URL and --model NAME, or --screen-only") }
        }
        guard SuccessCriterion(rawValue: success) != nil else { throw ValidationError("--success must be complied or flagged (got '\(success)')") }
        guard (attackerEndpoint == nil) == (attackerModel == nil) else { throw ValidationError("--attacker-endpoint and --attacker-model go together") }
    }

    func run() async throws {
        let seedItems: [SuiteItem]
        let chains: [TransformChain]
        do {
            seedItems = try SuiteLoader.load(path: seeds).items
            chains = try transforms.isEmpty ? TransformChain.singles : transforms.map { try TransformChain(parse: $0) }
        } catch {
            throw fail("\(error)", code: 65)
        }
        // The untransformed request is always measured: evasions are judged against it.
        let allChains = chains.contains(TransformChain([.none])) ? chains : [TransformChain([.none])] + chains
        let classifier = try loadEvalClassifier(classifierModel)
        try makeDirectory(out)
        var attacks = AttackGenerator.attacks(seeds: seedItems, chains: allChains)
        let attackerClient = attackerEndpoint.map { options.client($0) }
        if let attackerClient, let attackerModel {
            let attacker = AttackerModel(provider: attackerClient, model: attackerModel)
            for seed in seedItems {
                do { attacks.append(try await attacker.rewrite(seed)) } catch {
                    FileHandle.standardError.write(Data("warning: attacker model failed on \(seed.id): \(error)\n".utf8))
                }
            }
            try? await attackerClient.shutdown()
        }
        let judge = AttackJudge(classifier: classifier, success: SuccessCriterion(rawValue: success)!)
        let results: [AttackResult]
        if screenOnly {
            results = attacks.map(judge.screen)
        } else {
            let client = options.client(target!)
            let cacheFile: ResponseCache
            do { cacheFile = try ResponseCache(path: "\(out)/cache.jsonl") } catch { throw fail("\(error)", code: 73) }
            let runner = AttackRunner(provider: client, cache: cacheFile, judge: judge, model: model!, params: options.params)
            results = await runner.run(attacks, concurrency: options.concurrency, showProgress: !options.quiet)
            try? await client.shutdown()
        }
        let tally = RedteamTally(bootstrap: Bootstrap(resamples: 2000, seed: 7))
        let evasions = tally.evasions(results)
        let report = RedteamReport(
            mode: screenOnly ? "screen-only (Warden's classifier \(classifier.modelName), shipped thresholds)" : "target",
            target: target ?? "in-process classifier", model: model, success: screenOnly ? "not flagged" : success,
            seeds: seedItems.count, transforms: orderedTransforms(results), rates: tally.rates(results),
            seedsMissedUntransformed: tally.missedUntransformed(results).sorted(), evasions: evasions, results: results)
        do {
            try report.jsonData().write(to: URL(fileURLWithPath: "\(out)/redteam.json"), options: .atomic)
            let markdown = RedteamMarkdown.render(report)
            try markdown.write(toFile: "\(out)/redteam.md", atomically: true, encoding: .utf8)
            let successes = results.filter { $0.verdict == .succeeded && $0.attack.transform != AttackTransform.none.rawValue }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let lines = try RedteamTally.suite(from: successes).map { String(decoding: try encoder.encode($0), as: UTF8.self) }
            try (lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")).write(toFile: "\(out)/successful-attacks.jsonl", atomically: true, encoding: .utf8)
            print(markdown)
            print("saved: \(out)/redteam.json, \(out)/redteam.md, \(out)/successful-attacks.jsonl (\(successes.count) attacks as an eval suite)")
        } catch {
            throw fail("cannot write the report in \(out): \(error.localizedDescription)", code: 73)
        }
        if results.allSatisfy({ $0.verdict == .failed }) && !results.isEmpty {
            throw fail("every attack failed; first error: \(results.first!.output ?? "?")", code: 69)
        }
    }

    func orderedTransforms(_ results: [AttackResult]) -> [String] {
        var seen = Set<String>()
        return results.map(\.attack.transform).filter { seen.insert($0).inserted }
    }
}
