import Foundation
@testable import Eval
import WardenCore

/// A classifier double: a text containing "TOXIC" scores 0.9 for hate (flagged at 0.5); "MILD" scores 0.3.
struct KeywordClassifier: TextClassifying {
    var modelName: String { "keyword-test" }
    func moderate(_ text: String) -> ModerationResult {
        var scores: [ModerationCategory: Double] = [:]
        if text.contains("TOXIC") { scores[.hate] = 0.9 }
        else if text.contains("MILD") { scores[.hate] = 0.3 }
        if text.contains("VIOLENT") { scores[.violence] = 0.8 }
        return ModerationResult(scores: scores, thresholds: [:])
    }
}

/// A provider double: answers from a function, counts calls, can fail on given items.
final class ScriptedProvider: CompletionProviding, @unchecked Sendable {
    let lock = NSLock()
    var calls = 0
    var inFlight = 0
    var maxInFlight = 0
    let answer: @Sendable (CompletionRequest) throws -> CompletionResult
    let delayNanos: UInt64

    init(delayNanos: UInt64 = 0, answer: @escaping @Sendable (CompletionRequest) throws -> CompletionResult) {
        self.answer = answer
        self.delayNanos = delayNanos
    }

    func complete(_ request: CompletionRequest) async throws -> CompletionResult {
        lock.withLock { calls += 1; inFlight += 1; maxInFlight = max(maxInFlight, inFlight) }
        defer { lock.withLock { inFlight -= 1 } }
        if delayNanos > 0 { try await Task.sleep(nanoseconds: delayNanos) }
        return try answer(request)
    }
}

func sample(_ id: String, _ i: Int, output: String = "", hate: Double = 0, flagged: Bool = false, refused: Bool = false,
            violence: Double = 0, failures: [String] = []) -> SampleOutcome {
    var scores: [String: Double] = ["hate": hate]
    if violence > 0 { scores["violence"] = violence }
    var cats: [String] = flagged ? ["hate"] : []
    if violence >= 0.5 { cats.append("violence") }
    return SampleOutcome(itemId: id, sample: i, output: output, scores: scores, flaggedCategories: cats,
                         refusal: refused ? .pattern : .none, constraintFailures: failures)
}

func tempDir() -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("warden-eval-tests-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.path
}

var packageRoot: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
