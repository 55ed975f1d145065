import Classifier
import Hummingbird
import NIOCore
import WardenCore

/// `POST /v1/moderations`: the built-in classifier behind the public API's exact request and
/// response shapes, so `client.moderations.create(...)` works unchanged.
struct ModerationsRoute: Sendable {
    let classifier: (any TextClassifying)?
    let maxInputs: Int
    let maxBodyBytes: Int

    func moderate(_ request: Request, context: WardenRequestContext) async throws -> Response {
        var request = request
        let buffer = try await request.collectBody(limit: maxBodyBytes)
        let body = try ModelCallValidator.parse(Array(buffer.readableBytesView))
        let inputs = try Self.inputs(of: body, maxInputs: maxInputs)
        guard let classifier = try Self.classifier(named: body["model"]?.string, default: classifier) else {
            throw OpenAIError(status: 503, message: "The built-in classifier is not loaded on this gateway (see moderation.model in warden.yaml).",
                              type: "api_error", code: "classifier_unavailable")
        }
        context.meter.update {
            $0.model = classifier.modelName
            $0.promptTokens = inputs.reduce(0) { $0 + TokenEstimate.tokens(in: $1) }
            $0.tokensEstimated = true
            $0.firstByteAt = .now
        }
        // Inputs the fast tier settles are scored inline; the precise tier's encoder runs on the
        // blocking pool, not on this request's task thread.
        let results = try await ScreeningExecutor(for: classifier).screen(with: classifier) { Self.moderate(inputs, with: $0) }
        var out = ByteBuffer()
        Self.writeResponse(id: "modr-" + Identifier.randomBase62(24), model: classifier.modelName, results: results, into: &out)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: out))
    }

    /// The response body, written straight into a buffer from precomputed key fragments: the same
    /// bytes as `json(_:)` serialized inside `{"id", "model", "results"}` (tested), without building a
    /// `JSONValue` tree per request.
    static func writeResponse(id: String, model: String, results: [ModerationResult], into out: inout ByteBuffer) {
        out.reserveCapacity(96 + model.utf8.count + results.count * 420)
        out.writeString(#"{"id":"#)
        out.writeBytes(JSONValue.string(id).serialized())
        out.writeString(#","model":"#)
        out.writeBytes(JSONValue.string(model).serialized())
        out.writeString(#","results":["#)
        for (i, result) in results.enumerated() {
            if i > 0 { out.writeInteger(UInt8(ascii: ",")) }
            out.writeString(result.flagged ? #"{"flagged":true,"categories":{"# : #"{"flagged":false,"categories":{"#)
            for (k, c) in ModerationCategory.allCases.enumerated() {
                out.writeBytes(Fragments.keys[k])
                out.writeString((result.categories[c] ?? false) ? "true" : "false")
            }
            out.writeString(#"},"category_scores":{"#)
            for (k, c) in ModerationCategory.allCases.enumerated() {
                out.writeBytes(Fragments.keys[k])
                out.writeString(Self.format(result.categoryScores[c] ?? 0))
            }
            out.writeString("}}")
        }
        out.writeString("]}")
    }

    /// `"name":` for each category (with the separating comma from the second on).
    enum Fragments {
        static let keys: [[UInt8]] = ModerationCategory.allCases.enumerated().map { k, c in
            (k > 0 ? [UInt8(ascii: ",")] : []) + JSONValue.string(c.rawValue).serialized() + [UInt8(ascii: ":")]
        }
    }

    /// Names that ask for the precise tier, besides its model's own name.
    static let preciseAliases: Set<String> = ["warden-precise", "precise"]
    /// Names that ask for the fast tier alone, besides its model's own name.
    static let fastAliases: Set<String> = ["warden-fast", "fast"]

    /// The classifier a request's `model` selects. With two tiers: the precise tier's names select
    /// it (404 when it is not configured), the fast tier's names select the fast tier alone, and
    /// any other name (e.g. `omni-moderation-latest`) gets the configured tiers with escalation.
    static func classifier(named name: String?, default base: (any TextClassifying)?) throws(OpenAIError) -> (any TextClassifying)? {
        guard let name, let base else { return base }
        let tiers = base as? TieredClassifier
        if preciseAliases.contains(name) || name == tiers?.precise?.modelName {
            guard let precise = tiers?.precise else {
                throw OpenAIError(status: 404, message: "The model '\(name)' is not available: this gateway has no precise tier (see moderation.precise in warden.yaml).",
                                  type: "invalid_request_error", param: "model", code: "model_not_found")
            }
            return precise
        }
        if let tiers, fastAliases.contains(name) || name == tiers.fast.modelName { return tiers.fast }
        return base
    }

    /// One result per input; the tiers and the precise tier score a request's inputs as one batch.
    static func moderate(_ inputs: [String], with classifier: any TextClassifying) -> [ModerationResult] {
        if let tiers = classifier as? TieredClassifier { return tiers.moderate(inputs) }
        if let precise = classifier as? PreciseClassifier { return precise.moderate(inputs) }
        return inputs.map(classifier.moderate)
    }

    /// The texts to classify: `input` as a string, an array of strings, or an array of `{"type": "text", "text": …}` parts.
    static func inputs(of body: JSONValue, maxInputs: Int) throws(OpenAIError) -> [String] {
        guard let input = body["input"] else { throw OpenAIError.invalidRequest("Missing required parameter: 'input'.", param: "input") }
        if let model = body["model"], model.string == nil, !model.isNull {
            throw OpenAIError.invalidRequest("Invalid type for 'model': expected a string, but got \(model.typeName).", param: "model")
        }
        if let text = input.string { return [text] }
        guard let items = input.array else {
            throw OpenAIError.invalidRequest("Invalid type for 'input': expected a string or an array of strings, but got \(input.typeName).", param: "input")
        }
        guard !items.isEmpty else { throw OpenAIError.invalidRequest("'input' must not be an empty array.", param: "input") }
        guard items.count <= maxInputs else {
            throw OpenAIError.invalidRequest("'input' has \(items.count) items; this gateway accepts at most \(maxInputs) per request. Split it into several requests.", param: "input")
        }
        var texts: [String] = []
        texts.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            if let text = item.string { texts.append(text); continue }
            if item["type"]?.string == "text", let text = item["text"]?.string { texts.append(text); continue }
            throw OpenAIError.invalidRequest("Invalid type for 'input[\(i)]': expected a string, but got \(item.typeName).", param: "input[\(i)]")
        }
        return texts
    }

    /// One result as a `JSONValue` (the reference shape `writeResponse` must reproduce).
    static func json(_ result: ModerationResult) -> JSONValue {
        let cats = ModerationCategory.allCases
        return .object([
            ("flagged", .bool(result.flagged)),
            ("categories", .object(cats.map { ($0.rawValue, .bool(result.categories[$0] ?? false)) })),
            ("category_scores", .object(cats.map { ($0.rawValue, .number(Self.format(result.categoryScores[$0] ?? 0))) })),
        ])
    }

    static func format(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        return "\(max(0, min(1, x)))"
    }
}
