import WardenCore

/// A removed (or nearly removed) document shown in the report.
public struct ReportExample: Codable, Sendable, Equatable {
    public var source: String
    public var line: Int
    public var excerpt: String
    public var categories: [String]
    /// The deciding category (largest score − threshold) and its score.
    public var topCategory: String
    public var topScore: Double
    /// Distance to the nearest threshold (see `FilterThresholds.decide`).
    public var margin: Double
}

/// Documents and bytes.
public struct Volume: Codable, Sendable, Equatable {
    public var documents = 0
    public var bytes = 0
    public init() {}
    mutating func add(_ b: Int) { documents += 1; bytes += b }
}

/// Everything the run counts, in input order, updated by the ordered writer. Codable, so it is
/// saved with each checkpoint and a resumed run ends with the same figures as an uninterrupted one.
///
/// ```swift
/// var t = FilterTally(seed: 1)
/// t.record(outcome, verdict: .unique, path: "a.jsonl")
/// t.input.documents, t.removed.documents, t.inputToxicity.mean
/// ```
public struct FilterTally: Codable, Sendable, Equatable {
    public var input = Volume()
    public var kept = Volume()
    public var removed = Volume()
    public var masked = Volume()
    public var maskedSpans = 0
    public var duplicatesExact = Volume()
    public var duplicatesNear = Volume()
    /// Removed documents per category (a document counts under every category that removed it).
    public var removedByCategory: [Volume] = Array(repeating: Volume(), count: 8)
    /// Masked documents per category of their flagged spans.
    public var maskedByCategory: [Volume] = Array(repeating: Volume(), count: 8)
    /// Input score histograms per category (50 bins on [0, 1]).
    public var histograms: [UnitHistogram] = Array(repeating: UnitHistogram(bins: 50), count: 8)
    public var inputToxicity = ToxicityStats()
    public var keptToxicity = ToxicityStats()
    /// Per identity group (index into `IdentityMentions.names`): documents mentioning it, and of those removed.
    public var groupDocuments: [Int]
    public var groupRemoved: [Int]
    public var problemCounts: [String: Int] = [:]
    /// Files read to the end, and those that held no record at all.
    public var filesRead = 0
    public var emptyFiles: [String] = []
    /// The first `maxListedProblems` problems, with file and line.
    public var problems: [RecordProblem] = []
    public var randomRemoved: [ReportExample] = []
    public var nearThresholdRemoved: [ReportExample] = []
    public var nearThresholdKept: [ReportExample] = []
    public var rng: SplitMix64
    public var examples = 12
    public var maxListedProblems = 1000

    public init(seed: UInt64 = 0x5eed, groups: Int = IdentityMentions().names.count) {
        rng = SplitMix64(seed: seed)
        groupDocuments = Array(repeating: 0, count: groups)
        groupRemoved = Array(repeating: 0, count: groups)
    }

    public mutating func record(_ p: RecordProblem) {
        problemCounts[p.kind.rawValue, default: 0] += 1
        if problems.count < maxListedProblems { problems.append(p) }
    }

    public var problemTotal: Int { problemCounts.values.reduce(0, +) }

    /// Counts one document; `verdict` is the deduplicator's answer for documents the classifier kept.
    public mutating func record(_ d: DocumentOutcome, verdict: DuplicateVerdict, path: String) {
        input.add(d.bytes)
        inputToxicity.add(d.scores)
        for i in 0..<8 { histograms[i].add(d.scores[i]) }
        for g in d.groups { groupDocuments[g] += 1 }
        switch d.fate {
        case .removed:
            removed.add(d.bytes)
            for c in d.categories { removedByCategory[c.index].add(d.bytes) }
            for g in d.groups { groupRemoved[g] += 1 }
            let ex = example(d, path: path)
            reservoir(ex)
            Self.keepClosest(ex, in: &nearThresholdRemoved, limit: examples)
            return
        case .masked:
            masked.add(d.bytes)
            maskedSpans += d.maskedSpans
            for c in d.categories { maskedByCategory[c.index].add(d.bytes) }
        case .kept:
            Self.keepClosest(example(d, path: path), in: &nearThresholdKept, limit: examples)
        }
        switch verdict {
        case .exact: duplicatesExact.add(d.bytes)
        case .near: duplicatesNear.add(d.bytes)
        case .unique:
            kept.add(d.bytes)
            keptToxicity.add(d.keptScores)
        }
    }

    func example(_ d: DocumentOutcome, path: String) -> ReportExample {
        let top = d.deciding?.index ?? (d.scores.indices.max(by: { d.scores[$0] < d.scores[$1] }) ?? 0)
        return ReportExample(source: path, line: d.line, excerpt: d.excerpt, categories: d.categories.map(\.rawValue),
                             topCategory: ModerationCategory.allCases[top].rawValue, topScore: d.scores[top],
                             margin: d.margin)
    }

    /// Reservoir sampling (algorithm R) of removed documents.
    mutating func reservoir(_ ex: ReportExample) {
        if randomRemoved.count < examples { randomRemoved.append(ex); return }
        let j = Int(rng.next() % UInt64(removed.documents))
        if j < examples { randomRemoved[j] = ex }
    }

    /// Keeps the `examples` documents with the smallest margin (earliest first on ties).
    static func keepClosest(_ ex: ReportExample, in list: inout [ReportExample], limit: Int) {
        guard ex.margin.isFinite else { return }
        if list.count == limit, let last = list.last, last.margin <= ex.margin { return }
        let at = list.firstIndex(where: { $0.margin > ex.margin }) ?? list.count
        list.insert(ex, at: at)
        if list.count > limit { list.removeLast() }
    }
}
