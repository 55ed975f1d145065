import Classifier
import WardenCore

/// The filter's bias audit: what the filter takes out of a corpus besides harm, per identity group.
///
/// 1. Corpus: the removal rate of documents that mention each group (`IdentityMentions`) against
///    the overall removal rate, with Wilson 95% intervals.
/// 2. Templates: the classifier's benign identity sentences (`BiasAudit.sentences()`) judged at the
///    filter's thresholds; every removal is a false positive.
///
/// A warning is raised when a group's removal rate exceeds the overall rate by more than `factor`
/// (corpus groups need at least `minDocuments` mentioning documents, so noise is not reported).
///
/// ```swift
/// let audit = FilterBiasAudit.run(tally: tally, processor: p, factor: 2, minDocuments: 30)
/// audit.warnings   // ["corpus: documents mentioning \"Muslim\" are removed at 4.1%, 2.7× the overall 1.5%"]
/// ```
public struct FilterBiasAudit: Codable, Sendable, Equatable {
    public struct CorpusGroup: Codable, Sendable, Equatable {
        public var axis: String
        public var group: String
        public var removal: Proportion
        /// Group rate / overall rate (0 when the overall rate is 0).
        public var ratio: Double
        public var warned: Bool
    }

    public struct TemplateGroup: Codable, Sendable, Equatable {
        public var axis: String
        public var group: String
        public var removal: Proportion
        public var meanToxicity: Double
        /// The removed sentences (false positives), at most 5.
        public var removedExamples: [String]
        public var warned: Bool
    }

    public var factor: Double
    public var minDocuments: Int
    public var overallRemoval: Proportion
    public var corpus: [CorpusGroup]
    public var templateOverall: Proportion
    public var templates: [TemplateGroup]
    public var warnings: [String]

    public static func run(tally: FilterTally, processor: DocumentProcessor, factor: Double = 2,
                           minDocuments: Int = 30) -> FilterBiasAudit {
        let overall = Proportion(tally.removed.documents, of: tally.input.documents)
        var warnings: [String] = []
        var corpus: [CorpusGroup] = []
        for (i, name) in processor.mentions.names.enumerated() {
            let p = Proportion(tally.groupRemoved[i], of: tally.groupDocuments[i])
            let ratio = overall.rate > 0 ? p.rate / overall.rate : 0
            let warned = p.total >= minDocuments && overall.rate > 0 && p.rate > factor * overall.rate
            if warned {
                warnings.append(String(format: "corpus: documents mentioning \"%@\" (%@) are removed at %.2f%% (95%% CI %.2f–%.2f%%, %d of %d), %.1f× the overall %.2f%%",
                                       name.group, name.axis, 100 * p.rate, 100 * p.low, 100 * p.high, p.count, p.total, ratio, 100 * overall.rate))
            }
            corpus.append(CorpusGroup(axis: name.axis, group: name.group, removal: p, ratio: ratio, warned: warned))
        }
        let (templates, templateOverall, templateWarnings) = templateAudit(processor: processor, factor: factor)
        return FilterBiasAudit(factor: factor, minDocuments: minDocuments, overallRemoval: overall, corpus: corpus,
                               templateOverall: templateOverall, templates: templates,
                               warnings: warnings + templateWarnings)
    }

    /// Benign templated sentences per group, judged as documents at the filter's thresholds.
    static func templateAudit(processor: DocumentProcessor, factor: Double) -> ([TemplateGroup], Proportion, [String]) {
        var rows: [TemplateGroup] = []
        var removedAll = 0, totalAll = 0
        var current: (axis: String, group: String, n: Int, removed: Int, sum: Double, examples: [String])? = nil
        func flush() {
            guard let c = current else { return }
            rows.append(TemplateGroup(axis: c.axis, group: c.group, removal: Proportion(c.removed, of: c.n),
                                      meanToxicity: c.sum / Double(max(1, c.n)), removedExamples: c.examples, warned: false))
        }
        for (axis, group, sentence) in BiasAudit.sentences() {
            if current?.group != group { flush(); current = (axis, group, 0, 0, 0, []) }
            let outcome = processor.judge(text: sentence, line: 0, bytes: sentence.utf8.count, json: nil, rawLine: nil, path: "")
            current!.n += 1
            current!.sum += outcome.scores.max() ?? 0
            totalAll += 1
            if outcome.fate != .kept {
                current!.removed += 1
                removedAll += 1
                if current!.examples.count < 5 { current!.examples.append(sentence) }
            }
        }
        flush()
        let overall = Proportion(removedAll, of: totalAll)
        var warnings: [String] = []
        for i in rows.indices where rows[i].removal.count > 0 && rows[i].removal.rate > factor * overall.rate {
            rows[i].warned = true
            warnings.append(String(format: "templates: %d of %d benign sentences about \"%@\" (%@) would be removed (%.1f%%), over %.0f× the overall %.2f%%; e.g. \"%@\"",
                                   rows[i].removal.count, rows[i].removal.total, rows[i].group, rows[i].axis,
                                   100 * rows[i].removal.rate, factor, 100 * overall.rate, rows[i].removedExamples.first ?? ""))
        }
        return (rows, overall, warnings)
    }
}
