import Foundation
import WardenCore

/// One held-out source's figures in the leave-one-source-out table.
public struct LOSOFold: Sendable {
    public var source: String
    public var rows: Int
    /// Rows with a known any-category label, and how many are positive.
    public var anyPositives: Int
    public var anyNegatives: Int
    /// AUPRC of max(category scores) vs any positive label; nil without both classes.
    public var anyAUPRC: Double?
    /// AUPRC of the `any` head.
    public var anyHeadAUPRC: Double?
    /// AUPRC of the max over only the categories each row's source annotates (see
    /// `LeaveOneSourceOut.annotatedMax`); reported beside `anyAUPRC`, never instead of it.
    public var annotatedAnyAUPRC: Double?
    /// Per learned category, AUPRC where the held-out source has both classes.
    public var categoryAUPRC: [String: Double]
}

public struct LOSOResult: Sendable {
    public var folds: [LOSOFold]
    /// Mean any-category AUPRC over sources with both classes.
    public var meanAnyAUPRC: Double
    public var meanAnyHeadAUPRC: Double
    /// Mean of `annotatedAnyAUPRC` over the same sources.
    public var meanAnnotatedAnyAUPRC: Double
    /// Mean per category over the sources where it could be computed.
    public var meanCategoryAUPRC: [String: Double]

    /// A Markdown table of the folds.
    public func markdown(title: String) -> String {
        var s = "#### \(title)\n\n| held-out source | rows | any pos/neg | any-category AUPRC | any head AUPRC | annotated categories only | per category AUPRC |\n|---|---|---|---|---|---|---|\n"
        for f in folds {
            let cats = f.categoryAUPRC.keys.sorted().map { "\($0) \(fmt(f.categoryAUPRC[$0]))" }.joined(separator: ", ")
            s += "| \(f.source) | \(f.rows) | \(f.anyPositives)/\(f.anyNegatives) | \(fmt(f.anyAUPRC)) | \(fmt(f.anyHeadAUPRC)) | \(fmt(f.annotatedAnyAUPRC)) | \(cats) |\n"
        }
        let cats = meanCategoryAUPRC.keys.sorted().map { "\($0) \(fmt(meanCategoryAUPRC[$0]))" }.joined(separator: ", ")
        s += "| **mean (sources with both classes)** | | | **\(fmt(meanAnyAUPRC))** | \(fmt(meanAnyHeadAUPRC)) | \(fmt(meanAnnotatedAnyAUPRC)) | \(cats) |\n"
        return s
    }
}

func fmt(_ v: Double?) -> String {
    guard let v, v.isFinite else { return "–" }
    return String(format: "%.3f", v)
}

public enum LeaveOneSourceOut {
    /// The any-category score restricted to the categories a row is labeled for: the max of
    /// `scores` over the learned categories whose label is known (`>= 0`), or over all of them when
    /// the row labels none (a source that flags rows without naming categories, like ToxicChat).
    ///
    /// The plain any-category AUPRC (max over every category) counts a row labeled only "not hate"
    /// as a negative for violence too; this reading treats the unlabeled categories as unknown, as
    /// the training loss does. Both are reported; designs are still chosen on the plain one.
    ///
    ///     // labels: sexual unknown, hate 0, …; scores: sexual 0.9, hate 0.2
    ///     LeaveOneSourceOut.annotatedMax(scores: s, labels: l)   // 0.2, not 0.9
    public static func annotatedMax(scores: [Double], labels: [Int8]) -> Double {
        var annotated: Double?, all: Double?
        for h in 0..<min(Head.any.rawValue, scores.count) {
            all = max(all ?? scores[h], scores[h])
            if h < labels.count, labels[h] >= 0 { annotated = max(annotated ?? scores[h], scores[h]) }
        }
        return annotated ?? all ?? 0
    }

    /// One JSON line of a fold's raw logits for offline study of calibration and fusion: the
    /// n-gram part (max over windows, bias included) and the dense part apart, with the labels.
    static func rawRow(_ data: FeaturizedData, _ w: LinearWeights, row r: Int, fold: String, role: String) -> String {
        let best = Trainer.ngramLogits(data, w, row: r)
        let windows = Trainer.denseWindowLogits(data, w, row: r)
        let dense = Trainer.maximum(windows)
        func list<T>(_ v: (Int) -> T) -> String { (0..<headSlots).map { "\(v($0))" }.joined(separator: ",") }
        // Each embedding window's dense logits (the first, then the later ones), when a row has several.
        let perWindow = windows.count < 2 ? "" : ",\"dense_windows\":[" + windows.map { z in "[\(list { z[$0] })]" }.joined(separator: ",") + "]"
        return "{\"fold\":\"\(fold)\",\"role\":\"\(role)\",\"row\":\(r),\"source\":\"\(data.sources[data.sourceOf[r]])\",\"labels\":[\(list { data.rows[r].labels[$0] })],\"ngram\":[\(list { best[$0] })],\"dense\":[\(list { dense[$0] })]\(perWindow)}"
    }

    /// One JSON line describing row `r` for the dump: its index (the `row` of the fold lines),
    /// source, split, labels and text, so a study can train other experts on the same rows.
    static func rowDescription(_ data: FeaturizedData, row r: Int) -> String {
        let row = data.rows[r]
        let text = (try? JSONSerialization.data(withJSONObject: row.text, options: .fragmentsAllowed))
            .flatMap { String(data: $0, encoding: .utf8) } ?? "\"\""
        return "{\"role\":\"row\",\"row\":\(r),\"source\":\"\(row.source)\",\"dev\":\(row.isDev),\"labels\":[\(row.labels.map(String.init).joined(separator: ","))],\"text\":\(text)}"
    }

    /// Trains one model per held-out source on the train split of every other source (the
    /// project's sources, `ProjectRows`, are trained on but held out only when `only` names them), calibrates
    /// on their dev split, and scores every row of the held-out source. With a `sample`, training and
    /// calibration use only its rows and each held-out source is scored on its label-blind sample
    /// (with embeddings, when the design uses them), so designs with and without the encoder are
    /// compared on the same rows. A `testSample` (a smaller per-source sample) scores held-out
    /// sources on its rows instead, so a design trained on a larger sample is compared on the same
    /// test rows.
    public static func run(_ data: FeaturizedData, options: TrainOptions, only: Set<String>? = nil,
                           sample: SourceSample? = nil, testSample: SourceSample? = nil, trainOnSample: Bool = true,
                           log: (@Sendable (String) -> Void)? = nil,
                           rowSink: (@Sendable (String) -> Void)? = nil) -> LOSOResult {
        // With a sample, rows without an embedding are left out whatever the design, so every
        // design sees the same rows.
        let usable = data.rows.indices.map { sample == nil || data.denseDim == 0 || data.hasDense[$0] }
        let inTraining = data.rows.indices.map { !trainOnSample || ((sample?.contains($0) ?? true) && usable[$0]) }
        let inTest = data.rows.indices.map { ((testSample ?? sample)?.sampled.contains($0) ?? true) && usable[$0] }
        let held = data.sources.enumerated().filter { only?.contains($0.element) ?? !ProjectRows.sourceNames.contains($0.element) }
        if let rowSink {
            for r in data.rows.indices where inTraining[r] || inTest[r] { rowSink(rowDescription(data, row: r)) }
        }
        let results = LockedBox([LOSOFold?](repeating: nil, count: held.count))
        let queue = DispatchQueue(label: "loso", attributes: .concurrent)
        let group = DispatchGroup()
        let sem = DispatchSemaphore(value: max(1, options.threads))
        for (slot, (sIndex, sName)) in held.enumerated() {
            sem.wait()
            queue.async(group: group) {
                defer { sem.signal() }
                let start = ContinuousClock.now
                var foldOptions = options
                foldOptions.threads = 1   // the folds themselves run side by side
                var w = Trainer.train(data, options: foldOptions, include: { data.sourceOf[$0] != sIndex && !data.rows[$0].isDev && inTraining[$0] })
                w.roundToHalf()
                let calRows = data.rows.indices.filter { data.sourceOf[$0] != sIndex && data.rows[$0].isDev && inTraining[$0] }
                let (calib, _) = Trainer.calibrate(data, weights: w, rows: calRows, options: options, thresholds: false)
                let testRows = data.rows.indices.filter { data.sourceOf[$0] == sIndex && inTest[$0] }
                if let rowSink {
                    for r in calRows { rowSink(rawRow(data, w, row: r, fold: sName, role: "cal")) }
                    for r in testRows { rowSink(rawRow(data, w, row: r, fold: sName, role: "test")) }
                }
                var anyS: [Double] = [], anyH: [Double] = [], anyA: [Double] = [], anyY: [Bool] = []
                var catS = [[Double]](repeating: [], count: headSlots), catY = [[Bool]](repeating: [], count: headSlots)
                for r in testRows {
                    let (cats, any) = Trainer.scoreRow(data, w, calib, row: r)
                    let labels = data.rows[r].labels
                    if labels[Head.any.rawValue] >= 0 {
                        anyS.append(cats.max() ?? 0); anyH.append(any); anyY.append(labels[Head.any.rawValue] == 1)
                        anyA.append(annotatedMax(scores: cats, labels: labels))
                    }
                    for h in Head.allCases where h != .any && labels[h.rawValue] >= 0 {
                        catS[h.rawValue].append(cats[h.rawValue]); catY[h.rawValue].append(labels[h.rawValue] == 1)
                    }
                }
                var perCat: [String: Double] = [:]
                for h in Head.allCases where h != .any {
                    if let a = Metrics.auprc(scores: catS[h.rawValue], labels: catY[h.rawValue]) { perCat[h.name] = a }
                }
                let fold = LOSOFold(source: sName, rows: testRows.count, anyPositives: anyY.filter { $0 }.count,
                                    anyNegatives: anyY.filter { !$0 }.count,
                                    anyAUPRC: Metrics.auprc(scores: anyS, labels: anyY),
                                    anyHeadAUPRC: Metrics.auprc(scores: anyH, labels: anyY),
                                    annotatedAnyAUPRC: Metrics.auprc(scores: anyA, labels: anyY), categoryAUPRC: perCat)
                results.withLock { $0[slot] = fold }
                let secs = (ContinuousClock.now - start).components.seconds
                log?("loso: held out \(sName): any AUPRC \(fmt(fold.anyAUPRC)) (any head \(fmt(fold.anyHeadAUPRC))) in \(secs)s")
            }
        }
        group.wait()
        let folds = results.withLock { $0 }.compactMap { $0 }
        let withBoth = folds.compactMap(\.anyAUPRC)
        let withBothHead = folds.compactMap(\.anyHeadAUPRC)
        let withBothAnnotated = folds.compactMap(\.annotatedAnyAUPRC)
        var catMeans: [String: Double] = [:]
        for h in Head.allCases where h != .any {
            let v = folds.compactMap { $0.categoryAUPRC[h.name] }
            if !v.isEmpty { catMeans[h.name] = v.reduce(0, +) / Double(v.count) }
        }
        return LOSOResult(folds: folds,
                          meanAnyAUPRC: withBoth.isEmpty ? .nan : withBoth.reduce(0, +) / Double(withBoth.count),
                          meanAnyHeadAUPRC: withBothHead.isEmpty ? .nan : withBothHead.reduce(0, +) / Double(withBothHead.count),
                          meanAnnotatedAnyAUPRC: withBothAnnotated.isEmpty ? .nan : withBothAnnotated.reduce(0, +) / Double(withBothAnnotated.count),
                          meanCategoryAUPRC: catMeans)
    }
}
