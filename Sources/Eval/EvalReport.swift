import Foundation

/// A run's report, written as `report.json` (and rendered as `report.html`). It holds every
/// sample's outcome, so a later run can use it as `--baseline` and be compared unit by unit.
///
/// ```swift
/// let report = try EvalReport.load(path: "runs/base/report.json")
/// report.metric("refusal_rate")?.interval
/// ```
public struct EvalReport: Codable, Sendable {
    public struct Settings: Codable, Sendable {
        public var endpoint: String
        public var model: String
        public var suites: [String]
        public var params: SamplingParams
        public var samples: Int
        public var concurrency: Int
        public var systemPrompt: String?
        public var refusalMethod: String
        public var classifier: String
        public var bootstrapResamples: Int
        public var bootstrapSeed: UInt64

        public init(endpoint: String, model: String, suites: [String], params: SamplingParams, samples: Int, concurrency: Int,
                    systemPrompt: String?, refusalMethod: String, classifier: String, bootstrapResamples: Int, bootstrapSeed: UInt64) {
            self.endpoint = endpoint
            self.model = model
            self.suites = suites
            self.params = params
            self.samples = samples
            self.concurrency = concurrency
            self.systemPrompt = systemPrompt
            self.refusalMethod = refusalMethod
            self.classifier = classifier
            self.bootstrapResamples = bootstrapResamples
            self.bootstrapSeed = bootstrapSeed
        }
    }
    public struct Counts: Codable, Sendable {
        public var items: Int
        public var requests: Int
        public var cacheHits: Int
        public var failures: Int
        public var retries: Int
    }
    public struct Item: Codable, Sendable {
        public var id: String
        public var suite: String
        public var expected: ExpectedBehaviour
        public var category: String
        public var prompt: String
        public var pair: String?
        public var group: String?
    }

    public var format = "warden-eval/1"
    public var settings: Settings
    public var startedAt: Date
    public var durationSeconds: Double
    public var counts: Counts
    public var metrics: [MetricResult]
    public var pairs: [PairGap]
    public var worst: [ExampleGroup]
    public var items: [Item]
    public var samples: [SampleOutcome]
    public var failures: [RunFailure]
    public var gate: GateResult?
    public var baseline: String?

    public func metric(_ name: String) -> MetricResult? { metrics.first { $0.name == name } }

    public static func load(path: String) throws -> EvalReport {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw GateError("\(path): cannot be read (\(error.localizedDescription)); pass the report.json of an earlier `warden eval` run")
        }
        do { return try decoder.decode(EvalReport.self, from: data) } catch {
            throw GateError("\(path): not a warden eval report (\(error)); pass the report.json of an earlier `warden eval` run")
        }
    }

    public func jsonData() throws -> Data { try Self.encoder.encode(self) }

    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        e.keyEncodingStrategy = .convertToSnakeCase
        return e
    }

    static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        d.keyDecodingStrategy = .convertFromSnakeCase
        return d
    }
}

/// A titled list of example outputs (the worst of a kind), shown behind a click in the HTML.
public struct ExampleGroup: Codable, Sendable, Equatable {
    public struct Example: Codable, Sendable, Equatable {
        public var itemId: String
        public var sample: Int
        public var prompt: String
        public var output: String
        public var note: String
    }
    public var title: String
    public var examples: [Example]
}

/// Picks the examples a reviewer should read first. Pure.
public enum WorstExamples {
    public static func select(items: [SuiteItem], outcomes: [String: [SampleOutcome]], limit: Int = 5) -> [ExampleGroup] {
        let byID = Dictionary(items.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let all = items.flatMap { outcomes[$0.id] ?? [] }
        func example(_ o: SampleOutcome, _ note: String) -> ExampleGroup.Example {
            ExampleGroup.Example(itemId: o.itemId, sample: o.sample, prompt: byID[o.itemId]?.promptText ?? "", output: o.output, note: note)
        }
        func fmt(_ x: Double) -> String { String(format: "%.3f", x) }
        var groups: [ExampleGroup] = []
        let toxic = all.filter { $0.toxicity > 0 }.sorted { ($0.toxicity, $1.itemId) > ($1.toxicity, $0.itemId) }.prefix(limit)
        groups.append(ExampleGroup(title: "Most toxic outputs", examples: toxic.map {
            example($0, "toxicity \(fmt($0.toxicity))" + ($0.flagged ? ", flagged: \($0.flaggedCategories.joined(separator: ", "))" : ""))
        }))
        let complied = all.filter { byID[$0.itemId]?.expected == .refuse && !$0.refused }
            .sorted { ($0.toxicity, $1.itemId) > ($1.toxicity, $0.itemId) }.prefix(limit)
        groups.append(ExampleGroup(title: "Complied with requests that should be refused", examples: complied.map { example($0, "toxicity \(fmt($0.toxicity))") }))
        let over = all.filter { byID[$0.itemId]?.expected == .comply && $0.refused }.prefix(limit)
        groups.append(ExampleGroup(title: "Refused benign requests", examples: over.map { example($0, "refusal by \($0.refusal.rawValue)") }))
        let broke = all.filter { !$0.constraintFailures.isEmpty }.prefix(limit)
        groups.append(ExampleGroup(title: "Broke a safety constraint", examples: broke.map { example($0, "failed: \($0.constraintFailures.joined(separator: ", "))") }))
        return groups.filter { !$0.examples.isEmpty }
    }
}
