import Foundation
import WardenCore

/// Warden's fast-tier content classifier: normalized text → hashed word and character n-grams →
/// one logistic head per learned category (calibrated with Platt scaling) → per-category thresholds,
/// plus the project's rules for `sexual/minors` and `violence/graphic`. Texts longer than the window
/// are scored per window and the maximum per category is kept.
///
/// ```swift
/// let clf = try ContentClassifier.bundled()
/// let r = clf.moderate("I will kill you")
/// r.flagged, r.categoryScores[.violence]
/// ```
/// Immutable after load, so it is safe to call from many tasks at once.
public final class ContentClassifier: TextClassifying, Sendable {
    public let header: ModelHeader
    public let weights: LinearWeights
    let hasher: FeatureHasher
    /// Calibration of the slot logits.
    let calibrator: Calibrator
    /// Thresholds in category index order.
    let thresholdList: [Double]

    /// Scores below this for `sexual` / `violence` make the rule products negligible; the rules
    /// are then skipped and their categories score 0 (an error of at most this value, 100 times below
    /// any threshold in use).
    static let ruleGate = 0.005
    public static let defaultFileName = "warden-fast.bin"

    public var modelName: String { header.name }

    public init(header: ModelHeader, weights: LinearWeights) {
        self.header = header
        self.weights = weights
        self.hasher = FeatureHasher(config: header.features)
        self.calibrator = Calibrator(header: header)
        self.thresholdList = ModerationCategory.allCases.map { header.thresholds[$0.rawValue] ?? 0.5 }
    }

    // MARK: Loading

    /// Loads a model file; throws `ModelFileError` (naming the path) if it is missing, truncated or corrupt.
    public static func load(contentsOf url: URL) throws -> ContentClassifier {
        let data: Data
        do { data = try Data(contentsOf: url) }
        catch { throw ModelFileError(path: url.path, reason: "cannot be read: \(error.localizedDescription)") }
        let (header, weights) = try ModelFile.decode(data, path: url.path)
        return ContentClassifier(header: header, weights: weights)
    }

    /// The paths `bundled()` tries, in order.
    public static func bundledCandidates(fileName defaultFileName: String = defaultFileName) -> [URL] {
        var urls: [URL] = []
        if defaultFileName == Self.defaultFileName, let env = ProcessInfo.processInfo.environment["WARDEN_MODEL"], !env.isEmpty {
            urls.append(URL(fileURLWithPath: env))
        }
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        urls.append(cwd.appendingPathComponent("Models").appendingPathComponent(defaultFileName))
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            let dir = exe.deletingLastPathComponent()              // …/.build/<config>
            urls.append(dir.appendingPathComponent("../../Models/\(defaultFileName)").standardizedFileURL)
            urls.append(dir.appendingPathComponent("../../../Models/\(defaultFileName)").standardizedFileURL)
            urls.append(dir.appendingPathComponent("Models/\(defaultFileName)").standardizedFileURL)
        }
        return urls
    }

    /// Finds and loads the shipped model: `$WARDEN_MODEL`, then `./Models/warden-fast.bin`, then
    /// `Models/` relative to the executable (`.build/<config>/warden` → `../../Models`).
    /// If `WARDEN_MODEL` is set, it must load (no silent fallback).
    /// `fileName` picks another shipped model (the precise tier's); `WARDEN_MODEL` names the fast tier's only.
    public static func bundled(fileName: String = defaultFileName) throws -> ContentClassifier {
        let candidates = bundledCandidates(fileName: fileName)
        if fileName == defaultFileName, let env = ProcessInfo.processInfo.environment["WARDEN_MODEL"], !env.isEmpty {
            return try load(contentsOf: URL(fileURLWithPath: env))
        }
        for url in candidates where FileManager.default.fileExists(atPath: url.path) {
            return try load(contentsOf: url)
        }
        throw ModelFileError(path: candidates.map(\.path).joined(separator: ", "),
                             reason: "no \(fileName) found; set WARDEN_MODEL (fast tier) or run `make model`")
    }

    public func write(to url: URL) throws {
        let data = try ModelFile.encode(header: header, weights: weights)
        try data.write(to: url, options: .atomic)
    }

    // MARK: Scoring

    /// Raw logits of every slot for a window of a normalized text.
    @inline(__always) func logits(_ text: NormalizedText, tokens: Range<Int>) -> SIMD8<Float> {
        guard !tokens.isEmpty else { return weights.logits(SparseVector()) }
        let table = hasher.count(text, tokens: tokens)
        defer { table.deallocate() }
        return hasher.logits(table, weights: weights)
    }

    /// Token ranges of the windows of `text` (one range when it fits in one window).
    public func windows(_ text: NormalizedText) -> [Range<Int>] {
        Self.windows(text, chars: header.windowChars, stride: header.windowStride)
    }

    /// Windows of at most `chars` normalized characters (whole tokens), starting every `stride` characters.
    public static func windows(_ text: NormalizedText, chars: Int, stride: Int) -> [Range<Int>] {
        let n = text.tokens.count
        guard n > 0 else { return [0..<0] }
        if text.scalars.count <= chars { return [0..<n] }
        var out: [Range<Int>] = []
        var start = 0
        while start < n {
            let base = text.tokens[start].lowerBound
            var end = start
            while end < n, text.tokens[end].upperBound - base <= chars { end += 1 }
            if end == start { end = start + 1 } // a single token longer than the window
            out.append(start..<end)
            if end >= n { break }
            var next = start + 1
            while next < end, text.tokens[next].lowerBound - base < stride { next += 1 }
            start = next
        }
        return out
    }

    /// One window's scores from its raw logits `z`, written into `s` (8 categories, index order);
    /// returns the `any` head's score. The rules read `evidence`, gathered once per text.
    @inline(__always)
    func windowScores(_ z: SIMD8<Float>, tokens: Range<Int>, evidence: inout RuleEvidence, into s: inout [Double]) -> Double {
        s[0] = calibrator.probability(z, Head.sexual.rawValue)
        s[1] = 0
        s[2] = calibrator.probability(z, Head.hate.rawValue)
        s[3] = calibrator.probability(z, Head.hateThreatening.rawValue)
        s[4] = calibrator.probability(z, Head.harassment.rawValue)
        s[5] = calibrator.probability(z, Head.selfHarm.rawValue)
        s[6] = calibrator.probability(z, Head.violence.rawValue)
        s[7] = 0
        let any = calibrator.probability(z, Head.any.rawValue)
        if s[0] >= Self.ruleGate { s[1] = s[0] * Double(evidence.minor(tokens)) }
        if s[6] >= Self.ruleGate { s[7] = s[6] * Double(evidence.gore(tokens)) }
        return any
    }

    /// Scores of the 8 categories in `ModerationCategory` index order, and the `any` head's score.
    /// Base64 runs in `text` that decode to readable text (`Base64Runs`) are scored too, and each
    /// category keeps the maximum, so encoding a request does not hide it.
    /// `extraLogits` as in `scores(normalized:extraLogits:)` (the precise tier's embedding logits).
    public func scores(_ text: String, extraLogits: SIMD8<Float> = .zero) -> (categories: [Double], any: Double) {
        var result = scores(normalized: TextNormalizer.normalize(text), extraLogits: extraLogits)
        for decoded in Base64Runs.decodedTexts(in: text) {
            let d = scores(normalized: TextNormalizer.normalize(decoded), extraLogits: extraLogits)
            for i in 0..<result.categories.count where d.categories[i] > result.categories[i] { result.categories[i] = d.categories[i] }
            result.any = max(result.any, d.any)
        }
        return result
    }

    /// `extraLogits` are added to every window's raw logits: the precise tier's dense part, computed
    /// once per text from its sentence embedding.
    public func scores(normalized: NormalizedText, extraLogits: SIMD8<Float> = .zero) -> (categories: [Double], any: Double) {
        let ws = windows(normalized)
        var evidence = RuleEvidence(normalized)
        var best = [Double](repeating: 0, count: ModerationCategory.allCases.count)
        if ws.count == 1 {
            let a = windowScores(extraLogits + logits(normalized, tokens: ws[0]), tokens: ws[0], evidence: &evidence, into: &best)
            return (best, a)
        }
        // Overlapping windows share tokens: each token's n-grams are hashed once, numbered densely
        // with their weight rows gathered once (`DocumentFeatures`), and the rules' evidence is
        // gathered once.
        let document = DocumentFeatures(normalized, hasher: hasher, weights: weights)
        var bestAny = 0.0
        var s = best
        for w in ws {
            let z = w.isEmpty ? weights.logits(SparseVector()) : document.logits(window: w)
            let a = windowScores(extraLogits + z, tokens: w, evidence: &evidence, into: &s)
            for i in 0..<best.count where s[i] > best[i] { best[i] = s[i] }
            bestAny = max(bestAny, a)
        }
        return (best, bestAny)
    }

    public func moderate(_ text: String) -> ModerationResult {
        result(scores: scores(text).categories)
    }

    /// The moderation result for category scores in index order, flagged at this model's thresholds.
    public func result(scores s: [Double]) -> ModerationResult {
        var scores: [ModerationCategory: Double] = [:]
        var flags: [ModerationCategory: Bool] = [:]
        scores.reserveCapacity(8)
        flags.reserveCapacity(8)
        for (i, c) in ModerationCategory.allCases.enumerated() {
            scores[c] = s[i]
            flags[c] = s[i] >= thresholdList[i]
        }
        return ModerationResult(categoryScores: scores, categories: flags)
    }

    /// Thresholds per category.
    public var thresholds: [ModerationCategory: Double] {
        Dictionary(uniqueKeysWithValues: ModerationCategory.allCases.enumerated().map { ($1, thresholdList[$0]) })
    }
}
