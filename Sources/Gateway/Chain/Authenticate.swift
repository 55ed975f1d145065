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

    /// The token of an `Authorization` header: `Bearer <token>` (scheme case-insensitive), or the bare value.
    static func bearerToken(_ header: String) -> String {
        var bytes = Substring(header).utf8[...]
        func trimSpaces(_ b: inout Substring.UTF8View.SubSequence) {
            while b.first == 0x20 || b.first == 0x09 { b = b.dropFirst() }
            while b.last == 0x20 || b.last == 0x09 { b = b.dropLast() }
        }
        trimSpaces(&bytes)
        if bytes.count > 7, bytes.prefix(7).map({ $0 | 0x20 }).elementsEqual("bearer ".utf8) {
            bytes = bytes.dropFirst(7)
            trimSpaces(&bytes)
        }
        return String(Substring(bytes))
    }

    /// Enough of a key to recognise it in an error, never enough to use it.
    static func masked(_ key: String) -> String {
        guard key.count > 12 else { return "****" }
        return String(key.prefix(8)) + "****" + String(key.suffix(4))
    }
}
