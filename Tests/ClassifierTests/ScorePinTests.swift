import Foundation
import Testing
import WardenCore
@testable import Classifier

/// The shipped model's scores of `PinnedTexts`. First computed with the scoring code before the speed
/// work (commit 331aa57), which the fast path (ASCII tokenizer, shared rule evidence, …) reproduced
/// exactly; re-pinned when the fast tier was retrained with the session-3 normalizer (`make model`),
/// and again when it was retrained with source intercepts (session 9).
/// A change in scoring or training that moves a score fails here. Columns:
/// the 8 categories in `ModerationCategory` order, then the `any` head.
@Suite("Pinned scores of the shipped model")
struct ScorePinTests {
    static let expected: [[Double]] = [
        [0.004014785149042211, 0, 0.22495194967893375, 0.6001619084742505, 0.15808314642074978, 0.01851256911284931, 0.5276512936473554, 0, 0.3082099634636963], // 0
        [0.0007064447465010514, 0, 0.4706350928068239, 0.05547518886043289, 0.98271014071692, 0.0012365003683685802, 0.027409796011745147, 0, 0.8968093839738372], // 1
        [0.0006128486655833094, 0, 0.03318525340073478, 0.001325275506099962, 0.005099640462197655, 7.096765333947737e-05, 6.914844671050081e-05, 0, 0.026945851119108476], // 2
        [0.0030676448254676404, 0, 0.8890118931179468, 0.02939144382747292, 0.00050279690290758, 9.976285797660901e-05, 0.011481097102116814, 0, 0.8192035181036247], // 3
        [0.002269032270396729, 0, 0.013889064867933948, 0.0006340558378708718, 0.0094867292126802, 0.0001138048827732431, 0.5663944241625609, 0.5583152461139479, 0.19081009799114076], // 4
        [0.020402250097760262, 0.020402250097760262, 0.010673294299689785, 0.005418505533182223, 0.1925926440320026, 0.000986898949636227, 0.4332004969582934, 0, 0.19367934974940132], // 5
        [0.0005918352974013304, 0, 0.0040014770516178175, 0.005285577179810608, 0.0009960419483520365, 0.5383914782390565, 0.0008701718297563679, 0, 0.23029550237038202], // 6
        [0.059511940403257906, 0, 0.08505507082982952, 0.1335082089024372, 0.10568346417167607, 0.018276856575498348, 0.032058116260490065, 0, 0.07701646677578391], // 7
        [0.005149930298357233, 0, 0.01175339985476508, 0.0079826057954709, 0.0013161773522177506, 8.255101578783401e-07, 1.0394778471736996e-05, 0, 0.01187120890450714], // 8
        [0.082555704498812, 0.082555704498812, 0.9006181410109477, 0.004248663793505302, 0.1554158612423496, 0.29253682161939004, 0.9649143659876354, 0.9647882169615416, 0.9434943924565188], // 9
        [0.017645858129043523, 0.016726321509853967, 0.9205557252373195, 0.007742770313125044, 0.280684112907013, 0.5906157770654882, 0.9729377432168931, 0.9729376272336759, 0.9498387718414368], // 10
        [0.06136080842464334, 0.06136080842464334, 0.9230427751066695, 0.00862263488760139, 0.5700589585003747, 0.43471146733625066, 0.9830737706418433, 0.9818016566295641, 0.9557349669487568], // 11
        [0.010820586096195866, 0, 0.03995859673137273, 0.0014784358845372969, 0.0015390893821174616, 0.0005957547803450032, 0.004597568110975448, 0, 0.03975165665575436], // 12
    ]

    @Test func scoresMatchThePinnedValues() throws {
        let clf = try ContentClassifier.load(contentsOf: BundledModelTests.modelURL)
        let texts = PinnedTexts.all
        try #require(texts.count == Self.expected.count)
        for (i, text) in texts.enumerated() {
            let s = clf.scores(text)
            let got = s.categories + [s.any]
            for (k, value) in got.enumerated() {
                #expect(abs(value - Self.expected[i][k]) <= 1e-6, "text \(i), column \(k): \(value) vs pinned \(Self.expected[i][k])")
            }
        }
    }

    @Test func longTextsHaveSeveralWindows() throws {
        let clf = try ContentClassifier.load(contentsOf: BundledModelTests.modelURL)
        #expect(clf.windows(TextNormalizer.normalize(PinnedTexts.report)).count == 2)
        for text in PinnedTexts.long { #expect(clf.windows(TextNormalizer.normalize(text)).count >= 4) }
    }

    @Test func rulesFireInThePinnedTexts() {
        // The pins cover the rule paths, not only the linear heads.
        #expect(Self.expected[5][1] > 0)      // sexual/minors: "12 years old"
        #expect(Self.expected[4][7] > 0.5)    // violence/graphic: dismembered, entrails, pool of
        #expect(Self.expected[9][7] > 0.5 && Self.expected[9][1] > 0)
    }
}
