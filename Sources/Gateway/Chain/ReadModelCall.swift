import Hummingbird
import NIOCore
import WardenCore

/// Step 3, read the call: the body within the size limit, valid UTF-8 and JSON, the fields the
/// endpoint requires, and a model this gateway routes. Notes the end user from `user`.
struct ReadModelCall: RouterMiddleware {
    let endpoint: ModelEndpoint
    let router: ModelRouter
    let maxBodyBytes: Int

    func handle(_ request: Request, context: WardenRequestContext, next: (Request, WardenRequestContext) async throws -> Response) async throws -> Response {
        var request = request
        let buffer = try await request.collectBody(limit: maxBodyBytes)
        let body = try ModelCallValidator.parse(Array(buffer.readableBytesView))
        try ModelCallValidator.validate(body, for: endpoint)
        let requested = body["model"]!.string!
        context.meter.update { $0.model = requested }
        guard let route = router.resolve(requested) else { throw OpenAIError.modelNotFound(requested) }
        let stream = body["stream"]?.bool ?? false
        var context = context
        if let user = body["user"]?.string, !user.isEmpty { context.endUser = String(user.prefix(256)) }
        context.call = ModelCall(
            endpoint: endpoint, requestedModel: requested, route: route, stream: stream,
            clientWantsStreamUsage: body["stream_options"]?["include_usage"]?.bool ?? false, body: body)
        let endUser = context.endUser
        context.meter.update {
            $0.model = route.model
            $0.upstream = route.upstream
            $0.stream = stream
            $0.endUser = endUser
        }
        return try await next(request, context)
    }
}
