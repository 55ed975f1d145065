import Foundation
import Testing
import WardenCore
@testable import Classifier

@Suite("Category probes")
struct CategoryProbeTests {
    /// Flags a category for texts containing one of its keywords, nothing else.
    struct KeywordClassifier: TextClassifying {
        var keywords: [ModerationCategory: [String]]
        var modelName: String { "keywords" }
        func moderate(_ text: String) -> ModerationResult {
            var scores: [ModerationCategory: Double] = [:], flags: [ModerationCategory: Bool] = [:]
            for (category, words) in keywords {
                let hit = words.contains { text.lowercased().contains($0) }
                scores[category] = hit ? 0.9 : 0.1
                flags[category] = hit
            }
            return ModerationResult(categoryScores: scores, categories: flags)
        }
    }

    @Test func countsPositivesAndLookAlikesApart() {
        let words = ["kill", "stab"]
        let r = CategoryProbe.threats.run(KeywordClassifier(keywords: [.violence: words]))
        let hits = { (texts: [String]) in texts.filter { t in words.contains { t.lowercased().contains($0) } }.count }
        let positiveHits = hits(CategoryProbe.threats.positives), lookAlikeHits = hits(CategoryProbe.threats.lookAlikes)
        #expect(r.positives == CategoryProbe.threats.positives.count && r.lookAlikes == CategoryProbe.threats.lookAlikes.count)
        #expect(r.positivesInCategory == positiveHits && r.positivesFlagged == positiveHits)
        #expect(r.lookAlikesFlagged == lookAlikeHits && lookAlikeHits > 0)
        let n = Double(r.positives)
        #expect(abs(r.meanPositiveScore - (0.9 * Double(positiveHits) + 0.1 * (n - Double(positiveHits))) / n) < 1e-12)
        #expect(r.markdown.contains("look-alikes: flagged \(lookAlikeHits)/\(r.lookAlikes)"))
        #expect(r.summary.hasPrefix("threats: violence ≥ threshold \(positiveHits)/12"))
    }

    /// A flag in another category counts as flagged, not as the probe's category.
    @Test func anotherCategorysFlagIsFlaggedButNotInCategory() {
        let r = CategoryProbe.selfHarm.run(KeywordClassifier(keywords: [.violence: ["kill"], .selfHarm: ["pills"]]))
        let killRows = r.rows.filter { $0.positive && $0.text.contains("kill") && !$0.text.contains("pills") }
        #expect(!killRows.isEmpty)
        #expect(killRows.allSatisfy { $0.flaggedCategories == [.violence] && abs($0.score - 0.1) < 1e-12 })
        #expect(r.positivesFlagged > r.positivesInCategory)
    }

    @Test func probesAreNamedUniquelyAndShareNoText() {
        let names = CategoryProbe.all.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { CategoryProbe.named($0)?.name == $0 })
        #expect(CategoryProbe.named("nope") == nil)
        let texts = CategoryProbe.all.flatMap { $0.positives + $0.lookAlikes }.map { TextNormalizer.normalize($0).string }
        #expect(Set(texts).count == texts.count)
        for p in CategoryProbe.all { #expect(p.positives.count >= 8 && p.lookAlikes.count >= 8, "\(p.name)") }
    }

    /// The probes check the model on words it was not handed: no probe text is one of the
    /// project's training rows.
    @Test func sharesNoTextWithTheProjectsTrainingRows() {
        let generated = Set(ProjectRows.allCases.flatMap { $0.rows() }.map { TextNormalizer.normalize($0.text).string })
        for p in CategoryProbe.all {
            for t in p.positives + p.lookAlikes { #expect(!generated.contains(TextNormalizer.normalize(t).string), "\(t)") }
        }
    }

    /// The shipped fast tier's figures, as floors: a retrained model that loses explicit threats
    /// (as source intercepts alone and weak negatives did) or another probe's positives fails here
    /// before it ships.
    @Test func theShippedFastTierPassesItsFloors() throws {
        let clf = try ContentClassifier.load(contentsOf: BundledModelTests.modelURL)
        // Session 10 (threat and refusal augmentation + source intercepts): violence 9/12, flagged
        // 10/12, look-alikes flagged 1/12. Session 9's model: 5/12, 11/12, 6/12; intercepts without the
        // project's threats: 2/12, 11/12, 1/12. Session 12 replaced the look-alike "How do I kill a
        // Python process that hangs?" (nearly an XSTest prompt, so seen in training) with a sentence of
        // its own, which the same model flags: 2/12. Moving these floors is a decision about a trade,
        // to be written down with the model card's figures.
        for (probe, inCategory, flagged, lookAlikes) in Self.fastFloors {
            let r = probe.run(clf)
            #expect(r.positivesInCategory >= inCategory, "\(r.summary)")
            #expect(r.positivesFlagged >= flagged, "\(r.summary)")
            #expect(r.lookAlikesFlagged <= lookAlikes, "\(r.summary)")
        }
    }

    /// The shipped fast tier's figures (session 13's model; session 10's was 9/10/2, 3/4/2, 8/8/6, 7/8/1,
    /// 6/7/2: the sexual rows raised threats, self-harm and sexual, and moved the harassment threshold
    /// from 0.253 to 0.329, past "You are the dumbest person I have ever had the misfortune to meet."
    /// at 0.328, a trade written down in the model card):
    /// (probe, positives reaching the category, positives flagged, look-alikes flagged at most). The
    /// weak ones are the fast tier's known failures, in the model card: it misses self-harm said
    /// without its commonest words and flags insult words said of things; the precise tier does
    /// neither (`tests/e2e/test_precise_e2e.py` pins its figures).
    static let fastFloors: [(CategoryProbe, Int, Int, Int)] = [
        (.threats, 10, 10, 1),
        (.selfHarm, 6, 7, 2),
        (.harassment, 7, 7, 5),
        (.hate, 7, 8, 1),
        (.sexual, 7, 8, 1),
    ]
}
