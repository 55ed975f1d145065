import Foundation

/// How a run calls the model.
public struct RunSettings: Sendable {
    public var model: String
    public var params: SamplingParams
    /// Samples per prompt (k).
    public var samples: Int
    /// Requests in flight at once.
    public var concurrency: Int
    /// Replaces any system message of the items, when set.
    public var systemPrompt: String?

    public init(model: String, params: SamplingParams = SamplingParams(), samples: Int = 3, concurrency: Int = 4, systemPrompt: String? = nil) {
        self.model = model
        self.params = params
        self.samples = samples
        self.concurrency = concurrency
        self.systemPrompt = systemPrompt
    }
}

/// A request that failed after its retries; its sample is left out of the metrics.
public struct RunFailure: Codable, Sendable, Equatable {
    public var itemId: String
    public var sample: Int
    public var error: String
}

/// Every outcome of a run, by item, with failures and counts.
public struct RunOutput: Sendable {
    public var outcomes: [String: [SampleOutcome]]
    public var failures: [RunFailure]
    public var requests: Int
    public var cacheHits: Int
}

/// Sends every (item, sample) of a run to the endpoint, `concurrency` at a time, answering from the
/// cache first and caching every new answer, then scores each answer.
///
/// ```swift
/// let runner = EvalRunner(provider: client, cache: cache, scorer: scorer)
/// let output = await runner.run(items: items, settings: settings)
/// ```
public struct EvalRunner: Sendable {
    public let provider: any CompletionProviding
    public let cache: ResponseCache?
    public let scorer: OutputScorer
    public let judge: RefusalJudge?
    public let showProgress: Bool

    public init(provider: any CompletionProviding, cache: ResponseCache?, scorer: OutputScorer, judge: RefusalJudge? = nil, showProgress: Bool = true) {
        self.provider = provider
        self.cache = cache
        self.scorer = scorer
        self.judge = judge
        self.showProgress = showProgress
    }

    struct Job: Sendable {
        var item: SuiteItem
        var request: CompletionRequest
    }

    enum JobResult: Sendable {
        case ok(SampleOutcome, cached: Bool)
        case failed(RunFailure)
    }

    public func jobs(items: [SuiteItem], settings: RunSettings) -> [CompletionRequest] {
        makeJobs(items: items, settings: settings).map(\.request)
    }

    func makeJobs(items: [SuiteItem], settings: RunSettings) -> [Job] {
        items.flatMap { item in
            let messages = item.chatMessages(systemPrompt: settings.systemPrompt)
            return (0..<max(settings.samples, 1)).map {
                Job(item: item, request: CompletionRequest(model: settings.model, messages: messages, params: settings.params, sample: $0))
            }
        }
    }

    public func run(items: [SuiteItem], settings: RunSettings) async -> RunOutput {
        let jobs = makeJobs(items: items, settings: settings)
        let progress = ProgressReporter(total: jobs.count, enabled: showProgress)
        var outcomes: [String: [SampleOutcome]] = [:]
        var failures: [RunFailure] = []
        var hits = 0
        await withTaskGroup(of: JobResult.self) { group in
            var next = 0
            func launch() {
                let job = jobs[next]
                next += 1
                group.addTask { await self.execute(job) }
            }
            while next < min(max(settings.concurrency, 1), jobs.count) { launch() }
            while let result = await group.next() {
                switch result {
                case .ok(let o, let cached):
                    outcomes[o.itemId, default: []].append(o)
                    if cached { hits += 1 }
                    progress.advance(cached: cached)
                case .failed(let f):
                    failures.append(f)
                    progress.advance(cached: false)
                }
                if next < jobs.count { launch() }
            }
        }
        for key in outcomes.keys { outcomes[key]!.sort { $0.sample < $1.sample } }
        failures.sort { ($0.itemId, $0.sample) < ($1.itemId, $1.sample) }
        return RunOutput(outcomes: outcomes, failures: failures, requests: jobs.count, cacheHits: hits)
    }

    func execute(_ job: Job) async -> JobResult {
        let key = job.request.cacheKey
        var cached = false
        let result: CompletionResult
        if let hit = cache?.lookup(key) {
            result = hit
            cached = true
        } else {
            do { result = try await provider.complete(job.request) } catch {
                return .failed(RunFailure(itemId: job.item.id, sample: job.request.sample, error: "\(error)"))
            }
            cache?.store(key, result)
        }
        var judged: RefusalMethod?
        if let judge, !result.blocked {
            let verdictRequest = judge.request(prompt: job.item.promptText, response: result.content)
            let verdictKey = verdictRequest.cacheKey
            var answer = cache?.lookup(verdictKey)
            if answer == nil, let fresh = try? await judge.provider.complete(verdictRequest) {
                cache?.store(verdictKey, fresh)
                answer = fresh
            }
            judged = answer.flatMap { RefusalJudge.parse($0.content) }
        }
        return .ok(scorer.score(item: job.item, sample: job.request.sample, result: result, judged: judged), cached: cached)
    }
}
