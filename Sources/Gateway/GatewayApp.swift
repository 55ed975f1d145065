import Classifier
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Store
import WardenCore

/// A gateway ready to run: the Hummingbird application and the long-lived parts tests and
/// commands may need to reach (the usage writer to flush, the key cache refresher, the metrics).
///
/// ```swift
/// let gateway = try Gateway(config: config, store: try SQLiteStore(path: config.store.sqlite),
///                           classifier: try ContentClassifier.bundled(), logger: logger)
/// try await gateway.application.runService()    // SIGTERM: drain requests, flush usage, stop
/// ```
public struct Gateway: Sendable {
    public let application: Application<RouterResponder<WardenRequestContext>>
    public let usageWriter: UsageWriter
    public let keyRefresher: TenantRefresher
    /// The limits runtime, when the configuration has a `limits:` section.
    public let limits: GatewayLimits?
    /// The content policy, when the configuration has a `policy:` section (and a classifier is loaded).
    public let policy: PolicyBook?
    public let metrics: GatewayMetrics
    public let store: any WardenStore

    public init(config: WardenConfig, store: any WardenStore, classifier: (any TextClassifying)?, logger: Logger,
                onServerRunning: (@Sendable (Int) async -> Void)? = nil) {
        let hasher = APIKeyHasher(secret: config.security.keySecret)
        let keys = KeyCache(hasher: hasher)
        let writer = UsageWriter(store: store, interval: .milliseconds(config.recording.flushIntervalMs), logger: logger)
        let events = EventWriter(store: store, interval: .milliseconds(config.recording.flushIntervalMs), logger: logger)
        let limits = config.limits.map { GatewayLimits(config: $0, events: events, logger: logger) }
        // Screening needs the classifier; `warden serve` refuses to start with a policy and no classifier.
        let book = classifier == nil ? nil : config.policy.map {
            PolicyBook(platform: (try? $0.platform()) ?? .standard, source: $0.file ?? "built-in standard policy", logger: logger)
        }
        let caches: [any TenantCache] = [keys] + (limits.map { [$0] } ?? []) + (book.map { [$0] } ?? [])
        let refresher = TenantRefresher(caches: caches, store: store, interval: .milliseconds(Int64(config.security.keyRefreshSeconds * 1000)), logger: logger)
        let purger = RetentionPurger(store: store, retentionDays: config.recording.retentionDays, logger: logger)
        let upstreams = UpstreamClients(configs: config.upstreams)
        let metrics = GatewayMetrics()
        let modelRouter = ModelRouter(upstreams: config.upstreams)

        let router = Router(context: WardenRequestContext.self)
        router.add(middleware: IdentifyRequest())
        router.add(middleware: OpenAIErrorMiddleware())

        // The model API. Each request passes these steps in order; a step may answer early
        // (an error) and later issues insert theirs (enforce, limit, apply policy, screen input)
        // between `Authenticate` and the forward without touching the others.
        func modelCall(_ endpoint: ModelEndpoint) -> RouterGroup<WardenRequestContext> {
            let group = router.group()
                .add(middleware: RecordUsage(endpoint: endpoint.rawValue, writer: writer, metrics: metrics, retention: config.recording.text, logger: logger))
                .add(middleware: Authenticate(keys: keys))
                .add(middleware: ReadModelCall(endpoint: endpoint, router: modelRouter, maxBodyBytes: config.server.maxBodyBytes))
            if let limits { group.add(middleware: EnforceLimits(limits: limits)) }
            if let book, let classifier {
                // Apps whose policy says `second_opinion: true` get the precise tier, when loaded,
                // for texts near their thresholds.
                let screeners = Screeners(classifier: classifier, secondOpinion: (classifier as? TieredClassifier)?.precise)
                group.add(middleware: ApplyPolicy(book: book))
                    .add(middleware: ScreenInput(screeners: screeners))
                    .add(middleware: ScreenOutput(screeners: screeners))
            }
            return group
        }
        let forwarder = Forwarder(upstreams: upstreams, metrics: metrics, collectText: config.recording.text != .none)
        for endpoint in ModelEndpoint.allCases {
            modelCall(endpoint).post(RouterPath(endpoint.rawValue), use: forwarder.handle)
        }

        let moderations = ModerationsRoute(classifier: classifier, maxInputs: config.moderation.maxInputs, maxBodyBytes: config.server.maxBodyBytes)
        router.group()
            .add(middleware: RecordUsage(endpoint: "/v1/moderations", writer: writer, metrics: metrics, retention: .none, logger: logger))
            .add(middleware: Authenticate(keys: keys))
            .post("/v1/moderations", use: moderations.moderate)

        router.group()
            .add(middleware: Authenticate(keys: keys))
            .get("/v1/models", use: ModelsRoute(router: modelRouter).list)

        router.group()
            .add(middleware: Authenticate(keys: keys))
            .post("/v1/feedback", use: FeedbackRoute(store: store).submit)
        PolicyRoutes(book: book, store: store).registerPublic(on: router)

        let operational = OperationalRoutes(store: store, upstreams: upstreams, metrics: metrics)
        router.get("/healthz", use: operational.healthz)
        router.get("/readyz", use: operational.readyz)
        router.get("/metrics", use: operational.metricsText)

        let adminGroup = router.group("/admin/v1").add(middleware: RequireAdminToken(token: config.security.adminToken))
        let directory = TenantDirectory(store: store, hasher: hasher)
        AdminRoutes(directory: directory, refresher: refresher).register(on: adminGroup)
        LimitsAdminRoutes(directory: directory, refresher: refresher, limits: limits).register(on: adminGroup)
        PolicyRoutes(book: book, store: store, secondOpinionAvailable: (classifier as? TieredClassifier)?.precise != nil)
            .registerAdmin(on: adminGroup, directory: directory, refresher: refresher)

        var application = Application(
            router: router,
            configuration: .init(address: .hostname(config.server.host, port: config.server.port), serverName: "warden"),
            // Stopped in reverse order after the HTTP server drains: the usage writer flushes last.
            services: [writer, events, purger, upstreams, refresher],
            onServerRunning: { channel in await onServerRunning?(channel.localAddress?.port ?? 0) },
            logger: logger)
        application.beforeServerStarts {
            try await book?.publishPlatform(to: store, directory: directory)
            try await refresher.refresh(force: true)
            try await limits?.recover(from: store)
        }

        self.application = application
        self.usageWriter = writer
        self.keyRefresher = refresher
        self.limits = limits
        self.policy = book
        self.metrics = metrics
        self.store = store
    }
}
