import ArgumentParser
import Classifier
import Foundation
import SentenceEncoder

/// `warden-bench encoder`: the precise tier's throughput (texts/s and GFLOP/s) at 64 and 256
/// tokens with 1 and 2 threads and several batch sizes, plus load time and resident memory.
/// Compare figures within one run: the machine is shared.
struct EncoderBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "encoder", abstract: "MiniLM encoder throughput, load time and memory.")
    @Option(help: "Model directory (default: MiniLMEncoder.locate()).") var dir: String?
    @Option(help: "Seconds per measurement.") var seconds: Double = 3
    @Option(parsing: .upToNextOption, help: "Texts per embed call.") var batches: [Int] = [1, 8, 32]
    @Option(parsing: .upToNextOption) var threads: [Int] = [1, 2]
    @Option(parsing: .upToNextOption) var tokens: [Int] = [64, 256]
    @Option(help: "Precise-tier model for the end-to-end figures (skipped when missing).") var preciseModel = "Models/warden-precise.bin"
    @Option(help: "Fast-tier model (the tiers' escalation figures).") var fastModel = "Models/warden-fast.bin"
    @Option(help: "Prompt suites (JSONL with a \"prompt\" field): the end-to-end texts.") var suites = "Suites"

    func run() throws {
        let directory = try dir.map { URL(fileURLWithPath: $0) } ?? MiniLMEncoder.locate()
        let rss0 = ClassifierBench.rssMB()
        let clock = ContinuousClock()
        var encoder = try MiniLMEncoder.load(directory: directory)
        var loads: [Duration] = []
        for _ in 0..<3 { loads.append(clock.measure { encoder = try! MiniLMEncoder.load(directory: directory) }) }
        let rss1 = ClassifierBench.rssMB()
        print("model: \(directory.path) (\(encoder.config.layers) layers, hidden \(encoder.dimension), AVX2+FMA kernels: \(MiniLMEncoder.usesAVX2 ? "yes" : "no"))")
        print("load time (read, check, pack weights): min \(Self.ms(loads.min()!)) ms, max \(Self.ms(loads.max()!)) ms")
        print(String(format: "resident memory: %.0f MB after load (%.0f MB before)", rss1, rss0))

        var rng = SplitMixRNG(seed: 11)
        let words = ("the a of to and in is it you that he was for on are with as his they be at one have this from or had " +
            "by word but what some we can out other were all there when up use your how said each she which do their time " +
            "moderation policy report appeal reviewer threat harassment recipe travel school family garden python").split(separator: " ")
        // Long enough that every text truncates to exactly `tokens` tokens.
        let texts = (0..<64).map { _ in (0..<400).map { _ in String(words[Int(rng.next() % UInt64(words.count))]) }.joined(separator: " ") }
        // CPU ms/text (user + system time of the process per text) does not depend on what else
        // runs on the machine: on a shared, loaded machine 2 threads cannot raise texts/s, but
        // an unchanged CPU ms/text shows they add no overhead (2 free cores: texts/s ≈ 2000 / it).
        print("\n| tokens | threads | batch | texts/s | GFLOP/s | ms/text | CPU ms/text |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for n in tokens {
            let ids = texts.map { encoder.tokenIDs($0, maxTokens: n) }
            precondition(ids.allSatisfy { $0.count == n })
            for t in threads {
                for b in batches {
                    let (rate, cpu) = measure(encoder, ids: Array(ids.prefix(max(b, 1))), threads: t)
                    let gflops = rate * encoder.flops(tokens: n) / 1e9
                    print(String(format: "| %d | %d | %d | %.1f | %.1f | %.2f | %.2f |", n, t, b, rate, gflops, 1000 / rate, cpu * 1000))
                }
            }
        }
        // The portable C path (CPUs without AVX2/FMA), for comparison.
        if MiniLMEncoder.usesAVX2, let n = tokens.first {
            MiniLMEncoder.setAVX2Enabled(false)
            let ids = texts.prefix(8).map { encoder.tokenIDs($0, maxTokens: n) }
            let (rate, _) = measure(encoder, ids: Array(ids), threads: 1)
            MiniLMEncoder.setAVX2Enabled(true)
            print(String(format: "\nportable C path (no AVX2), %d tokens, 1 thread, batch 8: %.1f texts/s, %.1f GFLOP/s",
                         n, rate, rate * encoder.flops(tokens: n) / 1e9))
        }
        // Tokenizer alone.
        let t0 = clock.now
        var count = 0
        while clock.now - t0 < .seconds(1) { for s in texts { count += encoder.tokenCount(s) } }
        let tokenizerRate = Double(count / 256) / Self.secs(clock.now - t0)
        print(String(format: "tokenizer alone: %.0f texts/s (400-word texts, truncated to 256 tokens)", tokenizerRate))
        try endToEnd(encoder)
        print(String(format: "resident memory at end: %.0f MB", ClassifierBench.rssMB()))
    }

    /// The precise tier end to end (tokenizer, encoder, MLP, n-grams, calibration, rules) on the
    /// project's prompt suites, one text per call as screening asks, and in batches of 32 as
    /// `/v1/moderations` does; then the tiers with `escalation: uncertain`: how many prompts the
    /// fast tier leaves to the encoder, and the texts/s that gives.
    func endToEnd(_ encoder: MiniLMEncoder) throws {
        guard FileManager.default.fileExists(atPath: preciseModel) else {
            print("\nprecise tier end to end: skipped (\(preciseModel) not found)")
            return
        }
        let model = try ContentClassifier.load(contentsOf: URL(fileURLWithPath: preciseModel))
        let pooled = try encoder.validPooling(layers: model.header.encoderLayers)
        let precise = try PreciseClassifier(model: model, encoder: MiniLMEmbedding(encoder: pooled, threads: 1))
        let fast = try ContentClassifier.load(contentsOf: URL(fileURLWithPath: fastModel))
        let prompts = try Self.prompts(in: suites)
        let chars = prompts.map { $0.unicodeScalars.count }.sorted()
        print("\nprecise tier end to end, \(prompts.count) prompts from \(suites)/*.jsonl (median \(chars[chars.count / 2]) characters), 1 encoder thread:")
        print("| path | texts/s | ms/text | CPU ms/text |")
        print("|---|---:|---:|---:|")
        func row(_ name: String, _ perCall: Int, _ body: ([String]) -> Void) {
            let clock = ContinuousClock()
            var done = 0, i = 0
            body(Array(prompts.prefix(perCall)))
            let start = clock.now, cpu0 = FilterBench.cpuSeconds()
            while clock.now - start < .seconds(seconds) {
                let batch = (0..<perCall).map { prompts[(i + $0) % prompts.count] }
                body(batch)
                i += perCall
                done += perCall
            }
            let rate = Double(done) / Self.secs(clock.now - start)
            let cpu = (FilterBench.cpuSeconds() - cpu0) / Double(done)
            print(String(format: "| %@ | %.1f | %.2f | %.2f |", name, rate, 1000 / rate, cpu * 1000))
        }
        row("precise, one text per call (screening)", 1) { _ = precise.moderate($0[0]) }
        row("precise, 32 texts per call (/v1/moderations)", 32) { _ = precise.moderate($0) }
        let tiers = TieredClassifier(fast: fast, precise: precise, escalation: .uncertain)
        let unsure = prompts.filter { tiers.isUncertain(fast.scores($0).categories) }.count
        row(String(format: "tiers, escalation uncertain (%d of %d prompts escalate)", unsure, prompts.count), 1) { _ = tiers.moderate($0[0]) }
        row("fast tier alone", 1) { _ = fast.moderate($0[0]) }
    }

    /// The `prompt` of every row of the JSONL files in `directory`, in file order.
    static func prompts(in directory: String) throws -> [String] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".jsonl") }.sorted()
        var out: [String] = []
        for file in files {
            let text = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            for line in text.split(separator: "\n") {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                      let prompt = object["prompt"] as? String, !prompt.isEmpty else { continue }
                out.append(prompt)
            }
        }
        guard !out.isEmpty else { throw ValidationError("no prompts in \(directory)/*.jsonl") }
        return out
    }

    /// Texts per second and CPU seconds per text, embedding `ids` repeatedly for `seconds`
    /// (after one warm-up call).
    func measure(_ encoder: MiniLMEncoder, ids: [[Int32]], threads: Int) -> (textsPerSecond: Double, cpuPerText: Double) {
        let clock = ContinuousClock()
        _ = encoder.embed(tokenIDs: ids, threads: threads)
        var done = 0
        let start = clock.now, cpu0 = FilterBench.cpuSeconds()
        while clock.now - start < .seconds(seconds) {
            _ = encoder.embed(tokenIDs: ids, threads: threads)
            done += ids.count
        }
        let cpu = FilterBench.cpuSeconds() - cpu0
        return (Double(done) / Self.secs(clock.now - start), cpu / Double(done))
    }

    static func secs(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
    static func ms(_ d: Duration) -> String { String(format: "%.0f", secs(d) * 1000) }
}

/// `warden-bench embed "text" …`: word pieces, token counts and the cosine similarities of texts
/// under the encoder (a quick look at what the precise tier sees).
struct EmbedProbe: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "embed", abstract: "Word pieces and cosine similarities of texts under MiniLM.")
    @Option(help: "Model directory (default: MiniLMEncoder.locate()).") var dir: String?
    @Option var maxTokens = 256
    @Argument var texts: [String]

    func run() throws {
        let encoder = try MiniLMEncoder.load(directory: try dir.map { URL(fileURLWithPath: $0) } ?? MiniLMEncoder.locate())
        let vectors = encoder.embed(texts, maxTokens: maxTokens, threads: 2)
        for (i, (text, v)) in zip(texts, vectors).enumerated() {
            let pieces = encoder.tokenizer.tokenize(text)
            print("[\(i)] \(encoder.tokenCount(text, maxTokens: maxTokens)) tokens: \(pieces.prefix(24).joined(separator: " "))\(pieces.count > 24 ? " …" : "")")
            print("    embedding[0..<4] = " + v.prefix(4).map { String(format: "%.5f", $0) }.joined(separator: ", "))
        }
        guard vectors.count > 1 else { return }
        print("cosine similarities:")
        for i in vectors.indices {
            let row = vectors.indices.map { j in String(format: "%6.3f", zip(vectors[i], vectors[j]).reduce(Float(0)) { $0 + $1.0 * $1.1 }) }
            print("  [\(i)] " + row.joined(separator: " "))
        }
    }
}
