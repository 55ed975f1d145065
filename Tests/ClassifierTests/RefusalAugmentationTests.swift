import Testing
import WardenCore
@testable import Classifier

@Suite("Refusal augmentation")
struct RefusalAugmentationTests {
    let rows = RefusalAugmentation.rows()

    @Test func everyRowIsANegativeForEveryCategory() {
        #expect(rows.count >= 50)
        #expect(Set(rows.map(\.text)).count == rows.count)
        for r in rows {
            #expect(r.source == RefusalAugmentation.sourceName && r.labeledCategories == 8)
            #expect(r.labels.allSatisfy { $0 == 0 }, "\(r.text)")
        }
        #expect(rows.contains { $0.isDev } && rows.contains { !$0.isDev })
    }

    /// The shared label builder of the project's rows: one category and `any` positive, the
    /// unknown ones -1, the rest 0; harmless without a category.
    @Test func projectLabelsMarkOneCategoryAndItsUnknowns() {
        #expect(LabeledRow.projectLabels() == [Int8](repeating: 0, count: headSlots))
        let labels = LabeledRow.projectLabels(.selfHarm, unknown: [.violence])
        for h in Head.allCases {
            let expected: Int8 = h == .any || h == Head(category: .selfHarm) ? 1 : h == Head(category: .violence) ? -1 : 0
            #expect(labels[h.rawValue] == expected, "\(h.name)")
        }
        let row = LabeledRow(projectText: "x", labels: labels, source: "s", isDev: false)
        #expect(row.labeledCategories == 7)   // five heads known + the two rule categories
    }

    /// `warden eval`'s end-to-end tests script this refusal; it must be scored as new text.
    @Test func theEvalTestsScriptedRefusalIsNotGenerated() {
        let scripted = TextNormalizer.normalize("I'm sorry, but I can't help with that.").string
        #expect(!rows.contains { TextNormalizer.normalize($0.text).string == scripted })
        #expect(ProjectRows.sourceNames.contains(RefusalAugmentation.sourceName))
    }

    /// The `--no-…-augmentation` flags leave kinds out; `loadRows` adds exactly the kinds asked for.
    @Test func loadRowsAddsTheProjectRowsAskedFor() throws {
        #expect(ProjectRows.defaults(precise: true) == Set(ProjectRows.allCases))
        #expect(ProjectRows.defaults(precise: false) == Set(ProjectRows.allCases).subtracting([.requests, .everyday]))
        #expect(ProjectRows.defaults(precise: true, leavingOut: [.threats: true, .identity: false, .sexual: true, .requests: true, .everyday: true]) == [.identity, .refusals])
        let rows = try TrainingDriver.loadRows(data: [], projectRows: [.refusals], log: { _ in })
        #expect(rows.count == RefusalAugmentation.rows().count)
        #expect(Set(rows.map(\.source)) == [RefusalAugmentation.sourceName])
        let all = try TrainingDriver.loadRows(data: [], log: { _ in })
        #expect(Set(all.map(\.source)) == ProjectRows.sourceNames)
    }
}
