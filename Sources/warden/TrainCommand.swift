import ArgumentParser
import Classifier
import Foundation
import SentenceEncoder

/// `warden train`: train the fast-tier classifier, or with `--precise` the precise tier (n-grams
/// joined with MiniLM sentence embeddings), from labeled JSONL(.gz) files.
///
/// ```
/// warden train --data ../shared/datasets/*.jsonl.gz --out Models/warden-fast.bin --seed 42
/// warden train --data ../shared/datasets/*.jsonl.gz --loso      # leave-one-source-out table first
/// warden train --precise --data ../shared/datasets/*.jsonl.gz --out Models/warden-precise.bin
/// ```
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train Warden's content classifier on labeled JSONL(.gz) rows {text, labels, source, split}."
    )

    @Option(name: .long, parsing: .upToNextOption, help: "Data files (JSONL, optionally gzipped).")
    var data: [String]

    @Option(name: .long, parsing: .upToNextOption, help: "Extra label files in the same format (e.g. reviewer labels).")
    var extraLabels: [String] = []

    @Option(help: "Where to write the model.")
    var out: String?

    @Option(help: "Random seed (training is deterministic for a seed).")
    var seed: UInt64 = 42

    @Option(help: "Passes over the training rows.")
    var epochs: Int = TrainOptions().epochs

    @Option(help: "Model name reported as `model` by /v1/moderations.")
    var name: String = TrainOptions().name

    @Option(help: "Worker threads for featurization and --loso folds.")
    var threads: Int = 2

    @Flag(help: "Do not add the project-written benign sentences mentioning identity groups (added by default).")
    var noIdentityAugmentation = false

    @Flag(help: "Do not add the project-written threats and benign look-alikes with violent words (added by default).")
    var noThreatAugmentation = false

    @Flag(help: "Do not add the project-written refusals and everyday \"I can't\" sentences (added by default).")
    var noRefusalAugmentation = false

    @Flag(help: "Do not add the project-written requests for sexual content and their look-alikes (added by default).")
    var noSexualAugmentation = false

    @Flag(help: "Precise tier: do not add the project-written requests for help with harm and their harmless twins (added by default; never to the fast tier).")
    var noRequestAugmentation = false

    @Flag(help: "Precise tier: do not add the project-written everyday forum posts and story summaries with their suicidal and explicit twins (added by default; never to the fast tier).")
    var noEverydayAugmentation = false

    @Flag(help: "Train without source intercepts (an intercept per source and category during training, dropped after; on by default).")
    var noSourceIntercepts = false

    @Flag(help: "First print the leave-one-source-out table (train on all sources but one, test on it).")
    var loso = false

    @Flag(help: "Only print the leave-one-source-out table; do not train or write a model.")
    var losoOnly = false

    @Flag(help: "Train the precise tier: n-grams joined with the sentence encoder's embeddings (needs the encoder, `make encoder`).")
    var precise = false

    @Option(help: "Precise tier: directory of the encoder (model.safetensors, vocab.txt); default $WARDEN_ENCODER_DIR or ./var/encoder.")
    var encoder: String?

    @Option(help: "Precise tier: encoder layers whose mean-pooled states make the embedding, comma-separated, one MLP over all of them (default: 3,6 with a second MLP over layer 6 alone; 6 is sentence-transformers' embedding).")
    var encoderLayers: String?

    @Option(help: "Precise tier: embedding cache file (computed once per text, reused by later runs; default var/cache/embeddings-layers-3-6.bin, or var/cache/embeddings.bin for the last layer alone).")
    var embeddingCache: String?

    @Option(help: "Precise tier: embedding windows per long text at scoring (1: its first word pieces only).")
    var embeddingWindows: Int?

    @Option(help: "Precise tier: rows per source it is trained on (a label-blind sample), plus every rare-category positive.")
    var perSource: Int = PreciseTraining.defaultPerSource

    @Option(help: "Precise tier: MLPs per layer group, each with its own seed, logits averaged (default: \(PreciseTraining.mlpSeedsPerLayerGroup)).")
    var mlpSeeds: Int?

    @Option(help: "Average the n-gram weights over the last N epochs (averaged SGD; 0: the last step's weights, the default).")
    var averageEpochs: Int?

    @Option(help: "Precise tier: average each MLP's weights over its last N epochs (stochastic weight averaging; 0: the last step's weights, the default).")
    var mlpAverageEpochs: Int?

    @Option(help: "Thresholds: the lowest whose dev F1 is within this of the best (0: the max-F1 threshold).")
    var thresholdF1Tolerance: Double?

    @Option(help: "Thresholds: the mean of the thresholds picked on this many bootstrap draws of the dev rows (0: picked on the dev rows).")
    var thresholdBootstrap: Int?

    @Option(help: "Any-head shift λ per category, e.g. harassment=0.6,violence=0.6 (categories not named keep \(TrainOptions().anyBlend)), or none. Precise tier default:\(TrainingDriver.describeHeadBlends(PreciseTraining.anyBlendByHead)).")
    var anyBlendByHead: String?

    /// The project-written rows the `--no-…-augmentation` flags leave in.
    var projectRows: Set<ProjectRows> {
        ProjectRows.defaults(precise: precise, leavingOut: [.identity: noIdentityAugmentation, .threats: noThreatAugmentation, .refusals: noRefusalAugmentation, .sexual: noSexualAugmentation, .requests: noRequestAugmentation, .everyday: noEverydayAugmentation])
    }

    func run() throws {
        var o = TrainOptions()
        o.seed = seed
        o.epochs = epochs
        o.name = name
        o.threads = threads
        if precise { o = PreciseTraining.options(o) }
        if let mlpSeeds {
            guard precise else { throw ValidationError("--mlp-seeds: only with --precise (the fast tier has no MLP)") }
            guard mlpSeeds >= 1 else { throw ValidationError("--mlp-seeds: at least 1") }
            o.mlpEnsemble = mlpSeeds
        }
        if let averageEpochs { o.averageEpochs = averageEpochs }
        if let mlpAverageEpochs {
            guard precise else { throw ValidationError("--mlp-average-epochs: only with --precise (the fast tier has no MLP)") }
            o.mlpAverageEpochs = mlpAverageEpochs
        }
        if let problem = o.averagingProblem { throw ValidationError(problem) }
        if let thresholdF1Tolerance {
            guard (0..<1).contains(thresholdF1Tolerance) else { throw ValidationError("--threshold-f1-tolerance: from 0 up to 1") }
            o.thresholdF1Tolerance = thresholdF1Tolerance
        }
        if let thresholdBootstrap {
            guard (0...10_000).contains(thresholdBootstrap) else { throw ValidationError("--threshold-bootstrap: from 0 up to 10000") }
            o.thresholdBootstrap = thresholdBootstrap
        }
        if let anyBlendByHead {
            guard let blends = TrainOptions.parseHeadBlends(anyBlendByHead) else {
                throw ValidationError("--any-blend-by-head: category=λ pairs with λ in 0…1, e.g. violence=0.6, or none")
            }
            o.anyBlendByHead = blends
        }
        if let embeddingWindows { o.embeddingWindows = embeddingWindows }
        if let encoderLayers {
            guard let layers = TrainOptions.parseLayers(encoderLayers) else {
                throw ValidationError("--encoder-layers: comma-separated layer numbers, e.g. 3,6")
            }
            o.encoderLayers = layers
            o.mlpMemberLayers = nil
        }
        if noSourceIntercepts { o.sourceInterceptDecay = nil }
        TrainingDriver.stderr("design: " + TrainingDriver.describe(o))
        let rows = try TrainingDriver.loadRows(data: data, extraLabels: extraLabels,
                                               projectRows: projectRows)
        guard rows.contains(where: { !$0.isDev }) else { throw ValidationError("no rows with split == train in the data files") }
        let features = TrainingDriver.featurize(rows, options: o)
        var sample: SourceSample?
        if precise {
            let s = SourceSample(rows: rows, perSource: perSource)
            sample = s
            TrainingDriver.stderr("precise tier: \(s.sampled.count) sampled rows (≤ \(perSource) per source) + \(s.rarePositives.count) rare-category positives")
            let enc = try loadSentenceEncoder(encoder, layers: o.encoderLayers)
            let cachePath = embeddingCache ?? PreciseTraining.embeddingCachePath(layers: o.encoderLayers)
            var table = try EmbeddingTable.load(path: cachePath) ?? EmbeddingTable(dimension: enc.dimension)
            guard table.dimension == enc.dimension else {
                throw ValidationError("embedding cache \(cachePath) holds \(table.dimension)-dimensional embeddings; the encoder gives \(enc.dimension) (use another --embedding-cache for other --encoder-layers)")
            }
            let needed = rows.indices.filter { s.contains($0) }
            try TrainingDriver.embedMissing(rows: rows, needed: needed, encoder: enc, maxTokens: o.encoderMaxTokens,
                                            windows: o.embeddingWindows, table: &table, cachePath: cachePath)
            TrainingDriver.stderr("embeddings attached to \(features.attach(table)) rows")
            if o.embeddingWindows > 1 {
                TrainingDriver.stderr("later embedding windows attached to \(features.attachWindows(table, maxWindows: o.embeddingWindows)) long rows")
            }
        }
        if loso || losoOnly {
            // Held-out sources are scored on the 2,000-row sample whatever the training sample, so
            // tables of designs trained on different samples compare the same test rows.
            let testSample = precise ? SourceSample(rows: rows, perSource: min(perSource, PreciseTraining.testPerSource)) : nil
            let r = LeaveOneSourceOut.run(features, options: o, sample: sample, testSample: testSample) { TrainingDriver.stderr($0) }
            print(r.markdown(title: "leave-one-source-out — " + TrainingDriver.describe(o)))
            print(String(format: "LOSO mean any-category AUPRC over sources with both classes: %.4f (annotated categories only %.4f)\n",
                               r.meanAnyAUPRC, r.meanAnnotatedAnyAUPRC))
            if losoOnly { return }
        }
        let (clf, report) = TrainingDriver.train(features, options: o, include: { sample?.contains($0) ?? true })
        print("Dev metrics of \(clf.modelName):\n")
        print(report)
        let path = out ?? (precise ? "Models/warden-precise.bin" : "Models/warden-fast.bin")
        try clf.write(to: URL(fileURLWithPath: path))
        TrainingDriver.stderr("wrote \(path)")
    }
}
