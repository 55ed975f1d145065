import Foundation
import Testing
import WardenCore
@testable import Classifier

@Suite("Threat probe")
struct ThreatProbeTests {
    /// Flags violence for texts containing "kill" or "stab", nothing else.
    struct KeywordClassifier: TextClassifying {
        var modelName: String { "keywords" }
        func moderate(_ text: String) -> ModerationResult {
            let hit = text.lowercased().contains("kill") || text.lowercased().contains("stab")
            return ModerationResult(categoryScores: [.violence: hit ? 0.9 : 0.1], categories: [.violence: hit])
        }
    }

    @Test func countsThreatsAndLookAlikesApart() {
        let r = ThreatProbe.run(KeywordClassifier())
        let threatHits = ThreatProbe.threats.filter { $0.lowercased().contains("kill") || $0.lowercased().contains("stab") }.count
        let lookAlikeHits = ThreatProbe.lookAlikes.filter { $0.lowercased().contains("kill") }.count
        #expect(r.threats == ThreatProbe.threats.count && r.lookAlikes == ThreatProbe.lookAlikes.count)
        #expect(r.threatsViolence == threatHits && r.threatsFlagged == threatHits)
        #expect(r.lookAlikesFlagged == lookAlikeHits)
        let expectedMean = (0.9 * Double(threatHits) + 0.1 * Double(ThreatProbe.threats.count - threatHits)) / Double(ThreatProbe.threats.count)
        #expect(abs(r.meanThreatViolence - expectedMean) < 1e-12)
        #expect(r.rows.count == ThreatProbe.threats.count + ThreatProbe.lookAlikes.count)
        #expect(r.markdown.contains("look-alikes: flagged \(lookAlikeHits)/\(ThreatProbe.lookAlikes.count)"))
    }

    /// The shipped fast tier's figures, as a floor: a retrained model that loses explicit threats
    /// (as source intercepts alone and weak negatives did) fails here before it ships.
    @Test func theShippedFastTierFlagsTheThreats() throws {
        let clf = try ContentClassifier.load(contentsOf: BundledModelTests.modelURL)
        let r = ThreatProbe.run(clf)
        // Session 10 (threat and refusal augmentation + source intercepts): violence 9/12, flagged
        // 10/12, look-alikes flagged 1/12. Session 9's model: 5/12, 11/12, 6/12; intercepts without the
        // project's threats: 2/12, 11/12, 1/12. Moving these floors is a decision about a trade,
        // to be written down with the model card's figures.
        #expect(r.threatsViolence >= 9, "\(r.summary)")
        #expect(r.threatsFlagged >= 10, "\(r.summary)")
        #expect(r.lookAlikesFlagged <= 1, "\(r.summary)")
    }
}
