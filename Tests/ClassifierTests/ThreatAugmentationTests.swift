import Testing
import WardenCore
@testable import Classifier

@Suite("Threat augmentation")
struct ThreatAugmentationTests {
    let rows = ThreatAugmentation.rows()
    let violence = Head(category: .violence)!.rawValue
    let harassment = Head(category: .harassment)!.rawValue

    let selfHarm = Head(category: .selfHarm)!.rawValue

    @Test func hasBothClassesForViolenceAndNoOtherPositives() {
        let threats = rows.filter { $0.labels[violence] == 1 }
        let benign = rows.filter { $0.labels[violence] == 0 }
        let selfHarmRows = rows.filter { $0.labels[selfHarm] == 1 }
        #expect(threats.count >= 300 && benign.count >= 300, "\(threats.count) threats, \(benign.count) harmless")
        #expect(threats.count + benign.count + selfHarmRows.count == rows.count)
        for r in rows where r.labels[selfHarm] != 1 {
            #expect(r.source == ThreatAugmentation.sourceName)
            #expect(r.labels[Head.any.rawValue] == max(r.labels[violence], r.labels[harassment]))
            for h in Head.allCases where h != .any && h.rawValue != violence && h.rawValue != harassment {
                #expect(r.labels[h.rawValue] == 0, "\(r.text): \(h.name)")
            }
        }
    }

    /// A threat is harassment only when it addresses the reader; a threat against a third party
    /// leaves harassment unknown rather than calling it 0.
    @Test func harassmentOnlyForThreatsAddressedToTheReader() {
        let threats = rows.filter { $0.labels[violence] == 1 }
        let addressed = threats.filter { $0.labels[harassment] == 1 }
        #expect(!addressed.isEmpty && addressed.count < threats.count)
        for r in addressed { #expect(r.text.contains("you") || r.text.contains("your"), "\(r.text)") }
        for r in threats where r.labels[harassment] == -1 { #expect(!r.text.contains(" you"), "\(r.text)") }
    }

    /// An insult is harassment, never violence: insulted harmless sentences are harassment 1 and
    /// violence 0; insulted threats stay violence 1; nothing else is harassment.
    @Test func insultsAreHarassmentNotViolence() {
        func insulted(_ r: LabeledRow) -> Bool { ThreatAugmentation.insults.contains { r.text.hasPrefix($0 + ", ") } }
        let harmlessInsulted = rows.filter { $0.labels[violence] == 0 && insulted($0) }
        let threatsInsulted = rows.filter { $0.labels[violence] == 1 && insulted($0) }
        #expect(harmlessInsulted.count >= 50 && threatsInsulted.count >= 50)
        #expect(harmlessInsulted.allSatisfy { $0.labels[harassment] == 1 && $0.labels[Head.any.rawValue] == 1 })
        #expect(threatsInsulted.allSatisfy { $0.labels[harassment] == 1 })
        #expect(rows.filter { $0.labels[violence] == 0 && !insulted($0) }.allSatisfy { $0.labels[harassment] == 0 && $0.labels[Head.any.rawValue] == 0 })
        #expect(harmlessInsulted.contains { $0.text.contains(", one more word and I'll") })
        #expect(!rows.contains { $0.text.lowercased().contains("worthless") || $0.text.lowercased().contains("idiot") })
    }

    @Test func everyOpenerActAndTargetOccursAndNoTextRepeats() {
        let threats = rows.filter { $0.labels[violence] == 1 }.map(\.text)
        #expect(Set(rows.map(\.text)).count == rows.count)
        for target in ThreatAugmentation.targets { #expect(threats.contains { $0.contains(target.object) }, "\(target.object)") }
        for act in ThreatAugmentation.acts {
            let verb = String(act.split(separator: " ")[0])
            #expect(threats.contains { $0.contains(" \(verb) ") }, "\(act)")
        }
        for opener in ThreatAugmentation.openers {
            let lead = String(opener.split(separator: "{")[0])
            #expect(threats.contains { $0.hasPrefix(lead) || $0.contains(", " + ThreatAugmentation.lowercasingFirst(lead)) }, "\(opener)")
        }
        #expect(!threats.contains { $0.contains("{") })
    }

    /// "I'm going to kill myself" is self-harm: the threats' openers with acts against oneself are
    /// self-harm 1 with violence unknown, so the threats do not teach that those openers rule it out.
    @Test func selfHarmWithTheThreatsOpeners() {
        let selfHarmRows = rows.filter { $0.labels[selfHarm] == 1 }
        #expect(selfHarmRows.count >= 20)
        #expect(selfHarmRows.contains { $0.text == "I'm going to kill myself." })
        for r in selfHarmRows {
            #expect(r.labels[violence] == -1 && r.labels[harassment] == 0 && r.labels[Head.any.rawValue] == 1, "\(r.text)")
            #expect(!r.text.contains("you") && !r.text.contains("{"), "\(r.text)")
        }
        #expect(rows.filter { $0.labels[violence] == 1 }.allSatisfy { $0.labels[selfHarm] == 0 })
    }

    @Test func projectSourcesAreNeverHeldOutByDefault() {
        #expect(ProjectRows.sourceNames.contains(ThreatAugmentation.sourceName))
        #expect(ProjectRows.sourceNames.contains(IdentityAugmentation.sourceName))
        #expect(TrainOptions().sourceInterceptsExempt == ProjectRows.sourceNames)
    }
}
