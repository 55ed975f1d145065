import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Store
import WardenCore

/// The last step, record: wraps the rest of the chain so it sees every outcome (a response, an
/// error thrown by any step, a stream that ends, breaks or loses its client) and, once the
/// response body is fully written, submits one usage record, updates the metrics and logs one
/// structured line. Recording is asynchronous: `UsageWriter.submit` never touches the store.
struct RecordUsage: RouterMiddleware {
    let endpoint: String
    let writer: UsageWriter
    let metrics: GatewayMetrics
    let retention: TextRetention
    let logger: Logger

    func handle(_ request: Request, context: WardenRequestContext, next: (Request, WardenRequestContext) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let failure = ErrorResponses.openAIError(for: error, path: request.uri.path)
            context.meter.update { $0.errorCode = failure.code ?? failure.type }
            response = ErrorResponses.response(for: failure)
        }
        for (name, value) in context.meter.snapshot.responseHeaders {
            if let field = HTTPField.Name(name), response.headers[field] == nil { response.headers[field] = value }
        }
        let status = Int(response.status.code)
        let body = response.body
        let record = self.record
        let requestID = context.requestID
        let receivedAt = context.receivedAt
        let meter = context.meter
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            do {
                try await body.write(writer)
            } catch {
                meter.update { if $0.lateErrorCode == nil { $0.lateErrorCode = "client_disconnected" } }
                meter.finish()
                record(requestID, receivedAt, status, meter.snapshot)
                throw error
            }
            meter.finish()
            record(requestID, receivedAt, status, meter.snapshot)
        }
        return response
    }

    private func record(_ id: String, _ receivedAt: ContinuousClock.Instant, _ status: Int, _ facts: UsageMeter.Facts) {
        let now = ContinuousClock.now
        let total = (now - receivedAt).seconds
        let firstByte = facts.firstByteAt.map { ($0 - receivedAt).seconds }
        let usage = UsageRecord(
            id: id, time: Date(), endpoint: endpoint,
            orgId: facts.principal?.orgId, appId: facts.principal?.appId, keyId: facts.principal?.keyId,
            endUser: facts.endUser, model: facts.model, upstream: facts.upstream, stream: facts.stream,
            promptTokens: facts.promptTokens, completionTokens: facts.completionTokens, tokensEstimated: facts.tokensEstimated,
            firstByteMs: firstByte.map { $0 * 1000 }, totalMs: total * 1000, status: status,
            errorCode: facts.lateErrorCode ?? facts.errorCode,
            promptText: retention.stored(facts.promptText), completionText: retention.stored(facts.completionText),
            costMicros: facts.costMicros, policyVersion: facts.policyVersion,
            policyAction: PolicyRecording.action(facts), policyDecision: PolicyRecording.json(facts))
        writer.submit(usage)
        metrics.request(endpoint: endpoint, status: status, seconds: total, firstByteSeconds: firstByte)
        if let model = facts.model { metrics.tokens(model: model, prompt: facts.promptTokens ?? 0, completion: facts.completionTokens ?? 0) }
        var line: Logger.Metadata = [
            "request_id": "\(id)", "endpoint": "\(endpoint)", "status": "\(status)",
            "total_ms": "\((total * 10_000).rounded() / 10)",
        ]
        if let p = facts.principal { line["org"] = "\(p.orgId)"; line["app"] = "\(p.appId)"; line["key"] = "\(p.keyId)" }
        if let model = facts.model { line["model"] = "\(model)" }
        if let upstream = facts.upstream { line["upstream"] = "\(upstream)" }
        if facts.stream { line["stream"] = "true" }
        if let t = facts.promptTokens { line["prompt_tokens"] = "\(t)" }
        if let t = facts.completionTokens { line["completion_tokens"] = "\(t)" }
        if let code = usage.errorCode { line["error"] = "\(code)" }
        if let action = usage.policyAction, action != "allow" { line["policy"] = "\(action)" }
        logger.info("request", metadata: line)
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
