import Testing
import WardenCore
@testable import Classifier

@Suite("Threat augmentation")
struct ThreatAugmentationTests {
    let rows = ThreatAugmentation.rows()
    let violence = Head(category: .violence)!.rawValue
    let harassment = Head(category: .harassment)!.rawValue

    @Test func hasBothClassesForViolenceAndNoOtherPositives() {
        let threats = rows.filter { $0.labels[violence] == 1 }
        let benign = rows.filter { $0.labels[violence] == 0 }
        #expect(threats.count >= 300 && benign.count >= 300, "\(threats.count) threats, \(benign.count) look-alikes")
        #expect(threats.count + benign.count == rows.count)
        for r in rows {
            #expect(r.source == ThreatAugmentation.sourceName)
            #expect(r.labels[Head.any.rawValue] == r.labels[violence])
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
        #expect(rows.filter { $0.labels[violence] == 0 }.allSatisfy { $0.labels[harassment] == 0 })
    }

    /// The probe must measure threats in new words: none of its texts is generated here.
    @Test func sharesNoTextWithTheThreatProbe() {
        let generated = Set(rows.map { TextNormalizer.normalize($0.text).string })
        for t in ThreatProbe.threats + ThreatProbe.lookAlikes {
            #expect(!generated.contains(TextNormalizer.normalize(t).string), "\(t)")
        }
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
            #expect(threats.contains { $0.hasPrefix(lead) }, "\(opener)")
        }
        #expect(!threats.contains { $0.contains("{") })
    }

    @Test func projectSourcesAreNeverHeldOutByDefault() {
        #expect(LeaveOneSourceOut.projectSources.contains(ThreatAugmentation.sourceName))
        #expect(LeaveOneSourceOut.projectSources.contains(IdentityAugmentation.sourceName))
        #expect(TrainOptions().sourceInterceptsExempt == LeaveOneSourceOut.projectSources)
    }
}
