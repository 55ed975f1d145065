import ArgumentParser
import Classifier
import Foundation

/// `warden train`: train the fast-tier classifier from labeled JSONL(.gz) files.
///
/// ```
/// warden train --data ../shared/datasets/*.jsonl.gz --out Models/warden-fast.bin --seed 42
/// warden train --data ../shared/datasets/*.jsonl.gz --loso      # leave-one-source-out table first
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
    var out: String = "Models/warden-fast.bin"

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

    @Flag(help: "First print the leave-one-source-out table (train on all sources but one, test on it).")
    var loso = false

    @Flag(help: "Only print the leave-one-source-out table; do not train or write a model.")
    var losoOnly = false

    func run() throws {
        var o = TrainOptions()
        o.seed = seed
        o.epochs = epochs
        o.name = name
        o.threads = threads
        TrainingDriver.stderr("design: " + TrainingDriver.describe(o))
        let rows = try TrainingDriver.loadRows(data: data, extraLabels: extraLabels,
                                               identityAugmentation: !noIdentityAugmentation)
        guard rows.contains(where: { !$0.isDev }) else { throw ValidationError("no rows with split == train in the data files") }
        let features = TrainingDriver.featurize(rows, options: o)
        if loso || losoOnly {
            let r = LeaveOneSourceOut.run(features, options: o) { TrainingDriver.stderr($0) }
            print(r.markdown(title: "leave-one-source-out — " + TrainingDriver.describe(o)))
            print(String(format: "LOSO mean any-category AUPRC over sources with both classes: %.4f\n", r.meanAnyAUPRC))
            if losoOnly { return }
        }
        let (clf, report) = TrainingDriver.train(features, options: o)
        print("Dev metrics of \(clf.modelName):\n")
        print(report)
        try clf.write(to: URL(fileURLWithPath: out))
        TrainingDriver.stderr("wrote \(out)")
    }
}
