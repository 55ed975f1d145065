import AsyncHTTPClient
import Hummingbird
import NIOCore
import Store
import WardenCore

/// `GET /healthz` (the process answers), `GET /readyz` (the store and every upstream answer),
/// `GET /metrics` (Prometheus text format).
struct OperationalRoutes: Sendable {
    let store: any WardenStore
    let upstreams: UpstreamClients
    let metrics: GatewayMetrics

    func healthz(_ request: Request, context: WardenRequestContext) async throws -> Response {
        Self.json(.ok, .object([("status", .string("ok"))]))
    }

    func readyz(_ request: Request, context: WardenRequestContext) async throws -> Response {
        var ready = true
        var storeState = "ok"
        do { try await store.ping() } catch { storeState = "error: \(error)"; ready = false }
        var upstreamStates: [(String, JSONValue)] = []
        await withTaskGroup(of: (String, String).self) { group in
            for name in upstreams.names {
                group.addTask {
                    do {
                        let response = try await upstreams.send(upstream: name, method: .GET, path: "/models", body: nil, requestID: context.requestID)
                        _ = try? await response.body.collect(upTo: 1 << 20)
                        return (name, response.status.code < 500 ? "ok" : "error: status \(response.status.code)")
                    } catch {
                        return (name, "error: \((error as? OpenAIError)?.code ?? "\(error)")")
                    }
                }
            }
            for await (name, state) in group {
                upstreamStates.append((name, .string(state)))
                if state != "ok" { ready = false }
            }
        }
        upstreamStates.sort { $0.0 < $1.0 }
        let body = JSONValue.object([
            ("status", .string(ready ? "ready" : "not_ready")),
            ("store", .string(storeState)),
            ("upstreams", .object(upstreamStates)),
        ])
        return Self.json(ready ? .ok : .serviceUnavailable, body)
    }

    func metricsText(_ request: Request, context: WardenRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                 body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
    }

    static func json(_ status: HTTPResponse.Status, _ body: JSONValue) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body.serialized())))
    }
}
