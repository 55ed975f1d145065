import Foundation
import Testing
import WardenCore
@testable import Classifier

@Suite("Everyday augmentation")
struct EverydayAugmentationTests {
    let rows = EverydayAugmentation.rows()
    let selfHarm = Head(category: .selfHarm)!.rawValue
    let sexual = Head(category: .sexual)!.rawValue
    let violence = Head(category: .violence)!.rawValue

    /// Harmless rows are 0 everywhere; a suicidal twin is `self-harm` only (violence unknown), an
    /// explicit summary `sexual` only.
    @Test func labelsPerKind() {
        #expect(Set(rows.map(\.text)).count == rows.count)
        var kinds = [String: Int]()
        for r in rows {
            #expect(r.source == EverydayAugmentation.sourceName)
            #expect(!r.text.contains("\\(") && !r.text.contains("{"), "\(r.text)")
            let intent = EverydayAugmentation.intents.contains { r.text.contains($0) }
            let explicit = EverydayAugmentation.explicitPlots.contains { r.text.hasSuffix($0) }
            let positive = intent ? selfHarm : explicit ? sexual : nil
            for h in Head.allCases where h != .any {
                let expected: Int8 = h.rawValue == positive ? 1 : (intent && h.rawValue == violence ? -1 : 0)
                #expect(r.labels[h.rawValue] == expected, "\(r.text): \(h.name)")
            }
            #expect(r.labels[Head.any.rawValue] == (positive == nil ? 0 : 1))
            kinds[intent ? "intent" : explicit ? "explicit" : "harmless", default: 0] += 1
        }
        #expect(kinds == ["harmless": 320, "intent": 72, "explicit": 20])
        let devShare = Double(rows.filter(\.isDev).count) / Double(rows.count)
        #expect(abs(devShare - 1.0 / 6) < 0.01)
    }

    /// Every suicidal post has a harmless twin with the same opener, problem and closing: the
    /// intent sentence is the only difference.
    @Test func everySuicidalPostHasItsHarmlessTwin() throws {
        let texts = Set(rows.map(\.text))
        for r in rows where r.labels[selfHarm] == 1 {
            let intent = try #require(EverydayAugmentation.intents.first { r.text.contains($0) })
            #expect(texts.contains(r.text.replacingOccurrences(of: " " + intent, with: "")), "\(r.text)")
        }
    }

    /// No row but the suicidal twins mentions violence done to anyone (session 11's beatings raised the alarms these rows
    /// are meant to lower), and the explicit summaries are about adults only.
    @Test func noViolenceAndNoMinorsInExplicitRows() {
        let violent = ["hit", "punch", "beat", "kill", "stab", "shoot", "slap", "kick", "attack", "hurt", "blood"]
        for r in rows where r.labels[selfHarm] != 1 {
            // The archive's genre tag "Hurt/comfort" names feelings, not injuries.
            let body = EverydayAugmentation.tags.reduce(r.text) { $0.replacingOccurrences(of: $1, with: "") }
            let words = Set(body.lowercased().split { !$0.isLetter }.map(String.init))
            #expect(words.isDisjoint(with: violent), "\(r.text)")
        }
        for r in rows where r.labels[sexual] == 1 {
            let normalized = TextNormalizer.normalize(r.text)
            #expect(SafetyRules.minorIndicator(normalized, tokens: 0..<normalized.tokens.count) == 0, "\(r.text)")
        }
    }

    @Test func sharesNoFourWordsWithAnyProbe() {
        for r in rows { #expect(sharedFourWordRuns(r.text, CategoryProbe.allTexts).isEmpty, "\(r.text)") }
    }

    /// The precise tier's by default; the fast tier's n-grams took the posts' neighbours and
    /// arguments as evidence against a plain threat (session 15), so it trains without them.
    @Test func isAPreciseTierSourceAddedByDefaultWithoutAnIntercept() {
        #expect(ProjectRows.defaults(precise: true).contains(.everyday) && !ProjectRows.defaults(precise: false).contains(.everyday))
        #expect(!ProjectRows.defaults(precise: true, leavingOut: [.everyday: true]).contains(.everyday))
        #expect(TrainOptions().sourceInterceptsExempt.contains(EverydayAugmentation.sourceName))
    }
}
