import Hummingbird
import WardenCore

/// Step 2, authenticate: the `Authorization: Bearer wdn-…` key must be known and not revoked.
/// Establishes the caller (org, app, key) for every later step.
struct Authenticate: RouterMiddleware {
    let keys: KeyCache

    func handle(_ request: Request, context: WardenRequestContext, next: (Request, WardenRequestContext) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], !header.isEmpty else {
            throw OpenAIError.invalidAPIKey("You didn't provide an API key. Send it in the Authorization header: 'Authorization: Bearer wdn-…'.")
        }
        let key = Self.bearerToken(header)
        switch keys.authenticate(key) {
        case .success(let principal):
            var context = context
            context.principal = principal
            context.meter.update { $0.principal = principal }
            return try await next(request, context)
        case .failure(.revoked):
            throw OpenAIError.invalidAPIKey("The API key \(Self.masked(key)) has been revoked. Ask your administrator for a new key.")
        case .failure:
            throw OpenAIError.invalidAPIKey("Incorrect API key provided: \(Self.masked(key)). Check the key, or ask your administrator for one.")
        }
    }

    static func bearerToken(_ header: String) -> String {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased().hasPrefix("bearer ") { return String(trimmed.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
        return trimmed
    }

    /// Enough of a key to recognise it in an error, never enough to use it.
    static func masked(_ key: String) -> String {
        guard key.count > 12 else { return "****" }
        return String(key.prefix(8)) + "****" + String(key.suffix(4))
    }
}
