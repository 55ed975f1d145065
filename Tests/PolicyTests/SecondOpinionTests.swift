import Foundation
@testable import Policy
import Testing
import WardenCore

/// A classifier that gives every text the same scores and counts its calls.
private final class FixedScores: TextClassifying, @unchecked Sendable {
    let modelName: String
    let scores: [ModerationCategory: Double]
    let lock = NSLock()
    var calls = 0
    init(_ name: String, _ scores: [ModerationCategory: Double]) { modelName = name; self.scores = scores }
    func moderate(_ text: String) -> ModerationResult {
        lock.withLock { calls += 1 }
        return ModerationResult(scores: scores, thresholds: [:])
    }
}

@Suite struct SecondOpinionTests {
    let platform = PlatformPolicy.standard

    func policy(secondOpinion: Bool) throws -> CompiledPolicy {
        var app = AppPolicy()
        app.secondOpinion = secondOpinion
        return try CompiledPolicy(PolicyResolver.resolve(bounds: platform.bounds, defaults: platform.defaults, app: app,
                                                         version: .init(platform: 1, app: 1)))
    }

    /// The standard policy blocks violence on output at 0.85: 0.8 is within the margin.
    @Test func nearAThresholdTheSecondOpinionDecides() throws {
        let first = FixedScores("fast", [.violence: 0.8]), second = FixedScores("precise", [.violence: 0.2])
        let d = try policy(secondOpinion: true).screenOutput("text", classifier: first, secondOpinion: second)
        #expect(d.action == .allow)
        #expect(d.secondOpinion == "precise")
        #expect(d.scores[.violence] == 0.2)
        #expect(second.calls == 1)
        #expect(d.record.json.contains(#""scores":{"#) && d.record.json.contains(#","second_opinion":"precise","triggered":[]"#))
        // And the other way: the second opinion can block what the first would let through.
        let worse = FixedScores("precise", [.violence: 0.97])
        #expect(try policy(secondOpinion: true).screenOutput("text", classifier: first, secondOpinion: worse).action == .block)
    }

    @Test func farFromEveryThresholdItIsNotAsked() throws {
        let first = FixedScores("fast", [.violence: 0.02]), second = FixedScores("precise", [.violence: 0.99])
        let d = try policy(secondOpinion: true).screenInput([ChatText(role: "user", text: "hello")], classifier: first, secondOpinion: second)
        #expect(d.action == .allow && d.secondOpinion == nil && second.calls == 0)
        #expect(!d.record.json.contains("second_opinion"))
    }

    @Test func appsWithoutItOrGatewaysWithoutOneScoreOnce() throws {
        let first = FixedScores("fast", [.violence: 0.8]), second = FixedScores("precise", [.violence: 0.2])
        let off = try policy(secondOpinion: false)
        #expect(off.screenOutput("text", classifier: first, secondOpinion: second).secondOpinion == nil)
        #expect(!off.asksSecondOpinion(second))
        let on = try policy(secondOpinion: true)
        #expect(on.screenOutput("text", classifier: first, secondOpinion: nil).action == .flag)
        #expect(on.asksSecondOpinion(second) && !on.asksSecondOpinion(nil))
        #expect(second.calls == 0)
    }
}
