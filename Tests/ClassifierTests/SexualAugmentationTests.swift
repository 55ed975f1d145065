import Foundation
import Testing
import WardenCore
@testable import Classifier

@Suite("Sexual augmentation")
struct SexualAugmentationTests {
    let rows = SexualAugmentation.rows()
    let sexual = Head(category: .sexual)!.rawValue
    let harassment = Head(category: .harassment)!.rawValue

    @Test func bothClassesForSexualAndNoOtherPositives() {
        let positives = rows.filter { $0.labels[sexual] == 1 }
        let negatives = rows.filter { $0.labels[sexual] == 0 }
        #expect(positives.count >= 200 && negatives.count >= 200, "\(positives.count) sexual, \(negatives.count) harmless")
        #expect(positives.count + negatives.count == rows.count)
        #expect(Set(rows.map(\.text)).count == rows.count)
        for r in rows {
            #expect(r.source == SexualAugmentation.sourceName)
            #expect(r.labels[Head.any.rawValue] == r.labels[sexual], "\(r.text)")
            for h in Head.allCases where h != .any && h.rawValue != sexual && h.rawValue != harassment {
                #expect(r.labels[h.rawValue] == 0, "\(r.text): \(h.name)")
            }
            #expect(!r.text.contains("{"), "\(r.text)")
        }
        let devShare = Double(rows.filter(\.isDev).count) / Double(rows.count)
        #expect(abs(devShare - 1.0 / 6) < 0.01)
    }

    /// Every frame carries sexual and harmless content alike, so the frame is no evidence.
    @Test func everyFrameCarriesBothClasses() {
        for frame in SexualAugmentation.frames {
            let lead = String(frame.split(separator: "{")[0])
            let framed = rows.filter { $0.text.lowercased().hasPrefix(lead.lowercased()) }
            #expect(framed.filter { $0.labels[sexual] == 1 }.count == framed.filter { $0.labels[sexual] == 0 }.count, "\(frame)")
            #expect(framed.count == 2 * SexualAugmentation.contents.count, "\(frame)")
        }
    }

    /// Requests addressed to the reader are sexual; whether they are harassment depends on who is
    /// asked, so it stays unknown. Nothing else here says anything about harassment but 0.
    @Test func addressedRequestsLeaveHarassmentUnknown() {
        for r in rows {
            let addressed = SexualAugmentation.addressed.contains(r.text)
            #expect(r.labels[harassment] == (addressed ? -1 : 0), "\(r.text)")
        }
    }

    /// No row names or implies a minor (that is `sexual/minors`, a rule over `sexual`), and
    /// same-sex couples are as common in the harmless rows as in the sexual ones.
    @Test func noMinorsAndNoCoupleTaughtAsSexual() {
        let minorWords: Set<String> = ["girl", "girls", "boy", "boys", "teen", "teens", "teenager", "school", "child",
                                       "children", "kid", "kids", "young", "minor", "student", "daughter", "son", "little"]
        for r in rows where r.labels[sexual] == 1 {
            let words = Set(r.text.lowercased().split { !$0.isLetter }.map(String.init))
            #expect(words.isDisjoint(with: minorWords), "\(r.text)")
            let normalized = TextNormalizer.normalize(r.text)
            #expect(SafetyRules.minorIndicator(normalized, tokens: 0..<normalized.tokens.count) == 0, "\(r.text)")
        }
        for couple in ["two men", "two women", "a married couple", "two adults"] {
            let sexualCount = rows.filter { $0.labels[sexual] == 1 && $0.text.lowercased().contains(couple) }.count
            let harmlessCount = rows.filter { $0.labels[sexual] == 0 && $0.text.lowercased().contains(couple) }.count
            #expect(sexualCount == harmlessCount && sexualCount > 0, "\(couple): \(sexualCount) vs \(harmlessCount)")
        }
    }

    /// The sexual probe checks requests in words these rows do not use.
    @Test func sharesNoFourWordsWithAnyProbe() {
        #expect(!sharedFourWordRuns("Please write an erotic story where the neighbours meet.", CategoryProbe.allTexts).isEmpty,
                "the check finds a shared run")
        for r in rows { #expect(sharedFourWordRuns(r.text, CategoryProbe.allTexts).isEmpty, "\(r.text)") }
    }

    @Test func isAProjectSourceAddedByDefaultWithoutAnIntercept() {
        #expect(ProjectRows.defaults(precise: false).contains(.sexual) && ProjectRows.defaults(precise: true).contains(.sexual))
        #expect(!ProjectRows.defaults(precise: true, leavingOut: [.sexual: true]).contains(.sexual))
        #expect(ProjectRows.sourceNames.contains(SexualAugmentation.sourceName))
        #expect(TrainOptions().sourceInterceptsExempt.contains(SexualAugmentation.sourceName))
    }
}
