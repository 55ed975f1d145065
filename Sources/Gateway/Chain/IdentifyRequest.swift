import HTTPTypes
import Hummingbird

/// Step 1, identify: gives the request its id (echoed as `x-request-id` on every response)
/// and notes the end user named by the `X-Warden-End-User` header.
struct IdentifyRequest: RouterMiddleware {
    static let requestIDHeader = HTTPField.Name("x-request-id")!
    static let endUserHeader = HTTPField.Name("x-warden-end-user")!

    func handle(_ request: Request, context: WardenRequestContext, next: (Request, WardenRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        if let endUser = request.headers[Self.endUserHeader], !endUser.isEmpty {
            context.endUser = String(endUser.prefix(256))
            context.meter.update { $0.endUser = context.endUser }
        }
        var response = try await next(request, context)
        response.headers[Self.requestIDHeader] = context.requestID
        return response
    }
}
