import Foundation
import WardenCore

/// Assembles a run's report from its items and outcomes: metrics with intervals, bias pairs,
/// worst examples, and (with a baseline) the gate's verdicts. Pure.
///
/// ```swift
/// let report = ReportBuilder(bootstrap: b).build(suites: suites, output: output, settings: s, startedAt: t0, duration: d)
/// ```
public struct ReportBuilder: Sendable {
    public var bootstrap: Bootstrap
    public var categories = ModerationCategory.allCases.map(\.rawValue)

    public init(bootstrap: Bootstrap) { self.bootstrap = bootstrap }

    public func build(suites: [Suite], output: RunOutput, settings: EvalReport.Settings, startedAt: Date, duration: Double,
                      retries: Int, baseline: (path: String, report: EvalReport, tolerances: GateTolerances)? = nil) -> EvalReport {
        let items = suites.flatMap(\.items)
        let calculator = MetricsCalculator(bootstrap: bootstrap, categories: categories)
        let metrics = calculator.compute(items: items, outcomes: output.outcomes)
        let gate = baseline.map { RegressionGate(tolerances: $0.tolerances, bootstrap: bootstrap).compare(baseline: $0.report.metrics, candidate: metrics) }
        let records = suites.flatMap { suite in
            suite.items.map { EvalReport.Item(id: $0.id, suite: suite.name, expected: $0.expected, category: $0.category,
                                              prompt: $0.promptText, pair: $0.pair, group: $0.group) }
        }
        return EvalReport(
            settings: settings, startedAt: startedAt, durationSeconds: duration,
            counts: .init(items: items.count, requests: output.requests, cacheHits: output.cacheHits, failures: output.failures.count, retries: retries),
            metrics: metrics, pairs: calculator.pairGaps(items, outcomes: output.outcomes),
            worst: WorstExamples.select(items: items, outcomes: output.outcomes),
            items: records, samples: items.flatMap { output.outcomes[$0.id] ?? [] }, failures: output.failures,
            gate: gate, baseline: baseline?.path)
    }
}

/// Checks that item ids are unique across all suites of a run (they key the cache and the gate).
public enum SuiteSet {
    public static func checkUniqueIDs(_ suites: [Suite]) throws {
        var seen: [String: String] = [:]
        for s in suites {
            for item in s.items {
                if let other = seen[item.id] {
                    throw SuiteError(path: s.name, line: nil, message: "item id '\(item.id)' is also used in suite '\(other)'; ids must be unique across the suites of a run")
                }
                seen[item.id] = s.name
            }
        }
    }
}
