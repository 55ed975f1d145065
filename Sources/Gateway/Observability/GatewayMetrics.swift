import Prometheus

/// The gateway's Prometheus metrics, served at `/metrics`. Each gateway instance owns its
/// registry (no process-global state, so tests can run several gateways side by side).
///
/// ```swift
/// let metrics = GatewayMetrics()
/// metrics.request(endpoint: "/v1/chat/completions", status: 200, seconds: 0.012)
/// print(metrics.exposition())
/// ```
public final class GatewayMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

    public init() {}

    /// One finished request: count by endpoint and status, latency histograms by endpoint.
    public func request(endpoint: String, status: Int, seconds: Double, firstByteSeconds: Double?) {
        registry.makeCounter(name: "warden_requests_total", labels: [("endpoint", endpoint), ("status", String(status))]).increment()
        registry.makeValueHistogram(name: "warden_request_duration_seconds", labels: [("endpoint", endpoint)], buckets: Self.latencyBuckets)
            .record(seconds)
        if let firstByteSeconds {
            registry.makeValueHistogram(name: "warden_first_byte_seconds", labels: [("endpoint", endpoint)], buckets: Self.latencyBuckets)
                .record(firstByteSeconds)
        }
    }

    public func tokens(model: String, prompt: Int, completion: Int) {
        if prompt > 0 { registry.makeCounter(name: "warden_tokens_total", labels: [("model", model), ("kind", "prompt")]).increment(by: Int64(prompt)) }
        if completion > 0 { registry.makeCounter(name: "warden_tokens_total", labels: [("model", model), ("kind", "completion")]).increment(by: Int64(completion)) }
    }

    public func upstreamError(upstream: String, code: String) {
        registry.makeCounter(name: "warden_upstream_errors_total", labels: [("upstream", upstream), ("code", code)]).increment()
    }

    /// The text exposition format.
    public func exposition() -> String { registry.emitToString() }
}
