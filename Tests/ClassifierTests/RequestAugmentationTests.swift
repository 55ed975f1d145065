import Testing
import WardenCore
@testable import Classifier

@Suite("Request augmentation")
struct RequestAugmentationTests {
    let rows = RequestAugmentation.rows()

    @Test func eachHarmfulRequestIsPositiveForItsCategoryAloneAndItsTwinForNone() {
        #expect(rows.count == 2 * RequestAugmentation.frames.count * RequestAugmentation.pairs.count)
        #expect(Set(rows.map(\.text)).count == rows.count)
        for frame in RequestAugmentation.frames {
            for pair in RequestAugmentation.pairs {
                let harmful = frame.replacingOccurrences(of: "{a}", with: pair.harmful)
                let harmless = frame.replacingOccurrences(of: "{a}", with: pair.harmless)
                guard let h = rows.first(where: { $0.text == harmful }), let b = rows.first(where: { $0.text == harmless }) else {
                    Issue.record("missing \(harmful) or \(harmless)"); continue
                }
                let unknown = RequestAugmentation.unknown[pair.category, default: []]
                for head in Head.allCases where head != .any {
                    let category = head.category!
                    let expected: Int8 = category == pair.category ? 1 : unknown.contains(category) ? -1 : 0
                    #expect(h.labels[head.rawValue] == expected, "\(harmful): \(head.name)")
                    #expect(b.labels[head.rawValue] == 0, "\(harmless): \(head.name)")
                }
                #expect(h.labels[Head.any.rawValue] == 1 && b.labels[Head.any.rawValue] == 0)
                #expect(h.source == RequestAugmentation.sourceName && b.source == RequestAugmentation.sourceName)
            }
        }
    }

    /// Every category the rows teach has harmful requests in every frame.
    @Test func coversFourCategories() {
        let categories = Set(RequestAugmentation.pairs.map(\.category))
        #expect(categories == [.violence, .selfHarm, .hate, .harassment])
        for c in categories { #expect(RequestAugmentation.pairs.filter { $0.category == c }.count >= 6, "\(c)") }
    }

    /// The probes check these categories in words these rows do not use.
    @Test func sharesNoFourWordsWithAnyProbe() {
        for r in rows { #expect(sharedFourWordRuns(r.text, CategoryProbe.allTexts).isEmpty, "\(r.text)") }
    }

    /// The precise tier's by default; never the fast tier's (its n-grams take the hate requests'
    /// group names as evidence).
    @Test func isAPreciseTierSourceByDefaultWithoutAnIntercept() {
        #expect(ProjectRows.defaults(precise: true).contains(.requests))
        #expect(!ProjectRows.defaults(precise: false).contains(.requests))
        #expect(TrainOptions().sourceInterceptsExempt.contains(RequestAugmentation.sourceName))
        #expect(rows.contains(where: \.isDev) && rows.contains { !$0.isDev })
    }
}
