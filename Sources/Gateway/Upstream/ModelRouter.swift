/// Where a model name goes: the upstream and the name the upstream knows it by.
public struct ResolvedRoute: Sendable, Equatable {
    public var upstream: String
    public var upstreamModel: String
    /// The canonical name of the model in Warden (what `/v1/models` lists).
    public var model: String
}

/// Resolves the `model` of a request to an upstream, by name or alias. Pure and immutable.
///
/// ```swift
/// let router = ModelRouter(upstreams: config.upstreams)
/// router.resolve("gpt-4o-mini")   // ResolvedRoute(upstream: "local", upstreamModel: "SmolLM2…", model: "smollm2")
/// ```
public struct ModelRouter: Sendable {
    private let routes: [String: ResolvedRoute]
    /// Canonical model names with their upstreams, in configuration order.
    public let models: [(name: String, upstream: String)]

    public init(upstreams: [UpstreamConfig]) {
        var routes: [String: ResolvedRoute] = [:]
        var models: [(String, String)] = []
        for upstream in upstreams {
            for model in upstream.models {
                let route = ResolvedRoute(upstream: upstream.name, upstreamModel: model.upstreamName ?? model.name, model: model.name)
                for name in [model.name] + model.aliases { routes[name] = route }
                models.append((model.name, upstream.name))
            }
        }
        self.routes = routes
        self.models = models
    }

    public func resolve(_ name: String) -> ResolvedRoute? { routes[name] }
}
