import Foundation
import WardenCore

/// The steps behind `warden train` (and `warden-bench train|loso`): read the data files, featurize,
/// train, report. Output goes through `log` (progress, to stderr) and the returned report text.
public enum TrainingDriver {
    public static func stderr(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }

    /// Reads data files and extra-label files (reviewer labels; a row without `source` gets
    /// `extra:<file name>`), and adds the project-written rows in `projectRows` (all by default).
    public static func loadRows(data: [String], extraLabels: [String] = [],
                                projectRows: Set<ProjectRows> = Set(ProjectRows.allCases),
                                log: (String) -> Void = stderr) throws -> [LabeledRow] {
        var rows: [LabeledRow] = []
        for p in data {
            let r = try DatasetReader.read(path: p)
            log("read \(r.count) rows from \(p)")
            rows += r
        }
        for project in ProjectRows.allCases where projectRows.contains(project) {
            let r = project.rows()
            log("added \(r.count) project-written \(project.summary) (source \(project.sourceName))")
            rows += r
        }
        for p in extraLabels {
            let name = "extra:" + URL(fileURLWithPath: p).lastPathComponent
            let r = try DatasetReader.read(path: p, defaultSource: name)
            log("read \(r.count) extra-label rows from \(p)")
            rows += r
        }
        return rows
    }

    public static func featurize(_ rows: [LabeledRow], options: TrainOptions, log: (String) -> Void = stderr) -> FeaturizedData {
        let t0 = ContinuousClock.now
        let data = FeaturizedData(rows: rows, features: options.features, windowChars: options.windowChars,
                                  windowStride: options.windowStride, threads: options.threads)
        log("featurized \(rows.count) rows from \(data.sources.count) sources (\(data.entryCount) entries) in \(ContinuousClock.now - t0)")
        return data
    }

    /// Trains on split == train, calibrates on dev, returns the classifier and a Markdown report of
    /// dev metrics (through the real scoring path).
    public static func train(_ data: FeaturizedData, options: TrainOptions, include: (Int) -> Bool = { _ in true },
                             log: @escaping (String) -> Void = stderr) -> (ContentClassifier, String) {
        let t0 = ContinuousClock.now
        let clf = Trainer.fit(data, options: options, include: include) { e, n in
            log("train: epoch \(e)/\(n) [" + String(repeating: "#", count: e * 20 / n) + String(repeating: ".", count: 20 - e * 20 / n) + "] \(ContinuousClock.now - t0)")
        }
        log("trained in \(ContinuousClock.now - t0)")
        let dense = clf.weights.denseDim > 0
        let devIDs = data.rows.indices.filter { data.rows[$0].isDev && include($0) && (!dense || data.hasDense[$0]) }
        let dev = devIDs.map { data.rows[$0] }
        // Through the real scoring path: windows and rules, plus the embedding's logits for the precise tier.
        let scored = devIDs.map { r in
            clf.scores(data.rows[r].text, extraLogits: dense ? data.withDense(r) { clf.weights.denseLogits($0) } : .zero)
        }
        let report = Trainer.evaluate(clf, rows: dev, scored: scored)
        return (clf, devMarkdown(report, rows: dev.count))
    }

    public static func devMarkdown(_ report: [HeadReport], rows: Int) -> String {
        var s = "| category | dev pos/neg | AUPRC | threshold | precision | recall |\n|---|---|---|---|---|---|\n"
        for r in report {
            let t = r.threshold.isNaN ? "–" : String(format: "%.3f", r.threshold)
            let p = r.precision.isNaN ? "–" : String(format: "%.3f", r.precision)
            let rc = r.recall.isNaN ? "–" : String(format: "%.3f", r.recall)
            let au = r.positives == 0 ? "n/a (no positives)" : fmt(r.auprc)
            s += "| \(r.name) | \(r.positives)/\(r.negatives) | \(au) | \(t) | \(p) | \(rc) |\n"
        }
        s += "\n(dev split: \(rows) rows; any category = max category score vs any positive label; its precision/recall are of `flagged`.)\n"
        return s
    }

    /// Embeds the rows in `needed` that `table` lacks, in batches of similar length, saving the
    /// table every `saveEvery` texts (an interrupted run resumes where it stopped).
    public static func embedMissing(rows: [LabeledRow], needed: [Int], encoder: any SentenceEmbedding, maxTokens: Int,
                                    windows: Int = 1,
                                    table: inout EmbeddingTable, cachePath: String, batch: Int = 64, saveEvery: Int = 4096,
                                    log: (String) -> Void = stderr) throws {
        var seen = Set<TextKey>()
        var todo: [(TextKey, String)] = []
        for r in needed {
            for text in windows > 1 ? EmbeddingWindows.split(rows[r].text, maxWindows: windows) : [rows[r].text] {
                let key = TextKey(text)
                if !table.contains(key), seen.insert(key).inserted { todo.append((key, text)) }
            }
        }
        log("embeddings: \(table.count) cached, \(todo.count) to compute with the encoder (≤ \(maxTokens) word pieces each)")
        guard !todo.isEmpty else { return }
        todo.sort { $0.1.utf8.count < $1.1.utf8.count }
        let t0 = ContinuousClock.now
        var sinceSave = 0
        for start in stride(from: 0, to: todo.count, by: batch) {
            let part = todo[start..<min(todo.count, start + batch)]
            let vectors = encoder.embed(part.map(\.1), maxTokens: maxTokens)
            for (item, v) in zip(part, vectors) { table[item.0] = v }
            sinceSave += part.count
            let done = start + part.count
            if sinceSave >= saveEvery || done == todo.count {
                try table.save(path: cachePath)
                sinceSave = 0
                let secs = Double((ContinuousClock.now - t0).components.seconds) + 1e-9
                log(String(format: "embeddings: %d/%d [%@] %.0f texts/s", done, todo.count,
                           String(repeating: "#", count: done * 20 / todo.count) + String(repeating: ".", count: 20 - done * 20 / todo.count),
                           Double(done) / secs))
            }
        }
    }

    /// The per-category λ part of `describe`: " (harassment 0.6, violence 0.6)", or "".
    public static func describeHeadBlends(_ blends: [String: Double]) -> String {
        blends.isEmpty ? "" : " (" + blends.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
    }

    /// The source-intercept part of `describe` (nil when they are off).
    static func describeIntercepts(_ o: TrainOptions) -> String? {
        guard let decay = o.sourceInterceptDecay else { return nil }
        var parts = ["decay \(decay)", "rate × \(o.sourceInterceptRate)"]
        if o.sourceInterceptPairs != .all { parts.append("pairs " + o.sourceInterceptPairs.rawValue) }
        if !o.sourceInterceptsExempt.isEmpty { parts.append("none for " + o.sourceInterceptsExempt.sorted().joined(separator: ",")) }
        if !o.sourceInterceptsExemptHeads.isEmpty {
            parts.append("none on heads " + o.sourceInterceptsExemptHeads.map(\.name).sorted().joined(separator: ","))
        }
        if !o.sourceInterceptsInNGrams { parts.append("embedding MLP only") }
        return "source intercepts (" + parts.joined(separator: ", ") + ")"
    }

    public static func describe(_ o: TrainOptions) -> String {
        let f = o.features
        var parts = ["buckets 2^\(f.bucketsLog2)", "words uni \(f.wordUnigrams) bi \(f.wordBigrams) (w \(f.wordWeight))",
                     "chars \(f.charMin)-\(f.charMax) (w \(f.charWeight))", "epochs \(o.epochs)", "lr \(o.learningRate)", "l2 \(o.l2)",
                     "source cap \(Int(o.sourceCap))", "positive share \(o.positiveShare)", "any head \(o.trainAnyHead)",
                     "any blend \(o.anyBlend)" + describeHeadBlends(o.anyBlendByHead), "any-negative min labels \(o.anyNegativeMinLabels)", "seed \(o.seed)"]
        if o.weakNegativeWeight > 0 {
            parts.append("weak negatives × \(o.weakNegativeWeight)" + (o.weakNegativeHeads.map { " on " + $0.map(\.name).sorted().joined(separator: ",") } ?? ""))
        }
        if o.pseudoLabelWeight > 0 {
            parts.append("self-training × \(o.pseudoLabelWeight) (negative below \(o.pseudoNegativeBelow), positive above \(o.pseudoPositiveAbove))")
        }
        if let intercepts = describeIntercepts(o) { parts.append(intercepts) }
        if o.averageEpochs > 0 { parts.append("n-gram weights averaged over the last \(o.averageEpochs) epochs") }
        if o.mlpAverageEpochs > 0 { parts.append("MLP weights averaged over the last \(o.mlpAverageEpochs) epochs") }
        if o.thresholdF1Tolerance > 0 { parts.append("thresholds within F1 \(o.thresholdF1Tolerance) of the best, the lowest") }
        if o.thresholdBootstrap > 0 { parts.append("thresholds bagged over \(o.thresholdBootstrap) bootstrap draws of dev") }
        if let members = o.mlpMemberLayers {
            parts.append("MLP ensemble over encoder layers " + members.map { $0.map(String.init).joined(separator: "+") }.joined(separator: ", ")
                         + (o.mlpEnsemble > 1 ? " × \(o.mlpEnsemble) seeds" : ""))
        } else if o.mlpEnsemble > 1 { parts.append("MLP ensemble of \(o.mlpEnsemble)") }
        if o.denseScale > 0 {
            let layers = o.encoderLayers.map { ", layers " + $0.map(String.init).joined(separator: "+") } ?? ""
            parts.append("embedding \(o.encoderName) (≤ \(o.encoderMaxTokens) word pieces\(layers)) × \(o.denseScale)")
        }
        return parts.joined(separator: ", ")
    }
}
