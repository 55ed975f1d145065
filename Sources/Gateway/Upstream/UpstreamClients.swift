import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import WardenCore

/// One pooled HTTP client per configured upstream, with that upstream's timeouts and
/// connection limit. A `Service`: it lives as long as the gateway and shuts the pools down
/// after the HTTP server has drained (list it before the server in the service group).
///
/// ```swift
/// let upstreams = UpstreamClients(configs: config.upstreams)
/// let response = try await upstreams.send(route, path: "/chat/completions", body: bytes)
/// ```
public final class UpstreamClients: Service, Sendable {
    struct Upstream: Sendable {
        let config: UpstreamConfig
        let client: HTTPClient
        let baseURL: String
        let authorization: String?
    }

    private let upstreams: [String: Upstream]

    public init(configs: [UpstreamConfig]) {
        var upstreams: [String: Upstream] = [:]
        for config in configs {
            var configuration = HTTPClient.Configuration()
            configuration.timeout = .init(
                connect: .milliseconds(Int64(config.connectTimeoutSeconds * 1000)),
                read: .milliseconds(Int64(config.readTimeoutSeconds * 1000)))
            configuration.connectionPool = .init(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: config.maxConnections)
            configuration.decompression = .disabled
            configuration.redirectConfiguration = .disallow
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            let base = config.baseURL.hasSuffix("/") ? String(config.baseURL.dropLast()) : config.baseURL
            upstreams[config.name] = Upstream(config: config, client: client, baseURL: base, authorization: config.apiKey.map { "Bearer \($0)" })
        }
        self.upstreams = upstreams
    }

    public var names: [String] { upstreams.keys.sorted() }

    /// Sends a request to an upstream and returns once the response head has arrived.
    /// Failures come back as OpenAI-shaped errors (502 unreachable, 504 timeout).
    public func send(upstream name: String, method: HTTPMethod, path: String, body: [UInt8]?, requestID: String) async throws -> HTTPClientResponse {
        guard let upstream = upstreams[name] else { throw OpenAIError.internalError("no upstream named '\(name)'") }
        var request = HTTPClientRequest(url: upstream.baseURL + path)
        request.method = method
        request.headers.add(name: "accept", value: "application/json, text/event-stream")
        // Not `x-request-id`: some servers (llama-cpp-python) reject ids that are not UUIDs.
        request.headers.add(name: "x-warden-request-id", value: requestID)
        if let authorization = upstream.authorization { request.headers.add(name: "authorization", value: authorization) }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(body)
        }
        do {
            // The read timeout (idle time between bytes) bounds a silent upstream; the deadline is a backstop.
            return try await upstream.client.execute(request, timeout: .hours(2))
        } catch {
            throw Self.classify(error, upstream: name)
        }
    }

    /// Turns a transport error into the error the client sees.
    public static func classify(_ error: any Error, upstream: String) -> OpenAIError {
        if let error = error as? OpenAIError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .readTimeout, .deadlineExceeded, .writeTimeout:
                return .upstreamTimeout(upstream)
            case .remoteConnectionClosed:
                return .upstreamUnavailable(upstream, "connection closed by the model server")
            default:
                return .upstreamUnavailable(upstream, "\(error)")
            }
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return .upstreamTimeout(upstream) }
        if error is CancellationError { return .upstreamUnavailable(upstream, "request cancelled") }
        return .upstreamUnavailable(upstream, "\(error)")
    }

    public func run() async throws {
        try? await gracefulShutdown()
        for upstream in upstreams.values { try? await upstream.client.shutdown() }
    }
}
