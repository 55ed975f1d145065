import Hummingbird
import NIOCore
import WardenCore

/// `GET /v1/models`: the models this gateway routes, in the OpenAI list shape.
struct ModelsRoute: Sendable {
    let router: ModelRouter

    func list(_ request: Request, context: WardenRequestContext) async throws -> Response {
        let data = JSONValue.array(router.models.map { model in
            .object([("id", .string(model.name)), ("object", .string("model")), ("created", .number("0")), ("owned_by", .string(model.upstream))])
        })
        let body = JSONValue.object([("object", .string("list")), ("data", data)])
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body.serialized())))
    }
}
