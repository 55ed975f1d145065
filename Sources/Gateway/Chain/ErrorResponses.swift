import HTTPTypes
import Foundation
import Hummingbird
import NIOCore
import Store
import WardenCore

/// Turns any error into the response a client sees, in the OpenAI shape.
enum ErrorResponses {
    static func openAIError(for error: any Error, path: String) -> OpenAIError {
        switch error {
        case let error as OpenAIError:
            return error
        case let error as StoreError:
            switch error {
            case .notFound: return OpenAIError(status: 404, message: error.description + ".", type: "invalid_request_error", code: "not_found")
            case .conflict: return OpenAIError(status: 409, message: error.description + ".", type: "invalid_request_error", code: "conflict")
            }
        case let error as HTTPError:
            switch error.status {
            case .notFound: return .notFound(path)
            case .contentTooLarge:
                return OpenAIError(status: 413, message: "The request body is too large. Send a smaller request.",
                                   type: "invalid_request_error", code: "request_too_large")
            case .methodNotAllowed:
                return OpenAIError(status: 405, message: "Method not allowed for '\(path)'.", type: "invalid_request_error", code: "method_not_allowed")
            default:
                return OpenAIError(status: Int(error.status.code), message: error.body ?? error.status.reasonPhrase, type: "invalid_request_error")
            }
        default:
            return .internalError("\(type(of: error))")
        }
    }

    static func response(for error: OpenAIError) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        for (name, value) in error.headers { if let n = HTTPField.Name(name) { headers[n] = value } }
        return Response(status: .init(code: error.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: error.jsonBody())))
    }
}

/// Outside the model API (admin, health, unknown paths): any thrown error becomes an OpenAI-shaped response.
struct OpenAIErrorMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: WardenRequestContext, next: (Request, WardenRequestContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return ErrorResponses.response(for: ErrorResponses.openAIError(for: error, path: request.uri.path))
        }
    }
}
