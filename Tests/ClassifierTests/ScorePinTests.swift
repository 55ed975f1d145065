import Foundation
import Testing
import WardenCore
@testable import Classifier

/// The shipped model's scores of `PinnedTexts`. First computed with the scoring code before the speed
/// work (commit 331aa57), which the fast path (ASCII tokenizer, shared rule evidence, …) reproduced
/// exactly; re-pinned when the fast tier was retrained with the session-3 normalizer (`make model`)
/// in session 10 (threat and refusal augmentation, source intercepts) and in session 13 (sexual
/// requests and look-alikes).
/// A change in scoring or training that moves a score fails here. Columns:
/// the 8 categories in `ModerationCategory` order, then the `any` head.
@Suite("Pinned scores of the shipped model")
struct ScorePinTests {
    static let expected: [[Double]] = [
        [0.0005502965835031493, 0, 0.05765159424019623, 0.23101014573679157, 0.274523645926341, 0.0004083875000998225, 0.8215718955994232, 0, 0.41745286658179137], // 0
        [9.105003497989346e-05, 0, 0.20055571405939365, 0.0057490946829029145, 0.9886286790103337, 0.00023975952770396893, 0.009011863954684226, 0, 0.9042825469167067], // 1
        [0.00034378469560822025, 0, 0.014024879660784126, 0.002004111625810685, 0.0015129503246448213, 3.292502369537254e-05, 4.213462408746769e-06, 0, 0.010701708639688511], // 2
        [0.0003297423369495591, 0, 0.841843610187683, 0.023117317205943403, 0.00016598017637794662, 3.2381704359358396e-05, 0.0023808787570635303, 0, 0.7317267011809668], // 3
        [0.00239685955956226, 0, 0.02871847452295452, 0.0010003508153730457, 0.011725993530441688, 0.0002951093953657525, 0.7338566810828686, 0.7233887835618099, 0.2950005101085266], // 4
        [0.008354880996174872, 0.008354880996174872, 0.023165456089917918, 0.009809743615655677, 0.14661595062849928, 0.01093234806205372, 0.4291294684972968, 0, 0.2205668507346359], // 5
        [0.0010565020989339723, 0, 0.004303727613420915, 0.003934673751764708, 0.0033693054010231005, 0.7026318196684154, 0.00578185825741284, 0, 0.3953815258746819], // 6
        [0.046750048335973876, 0, 0.0988352034316167, 0.15384853760979916, 0.11204684025893705, 0.021551866306435435, 0.044152536331323114, 0, 0.08204560567612007], // 7
        [0.005496740760096979, 0, 0.016941042394223713, 0.020442848501630143, 0.004442124303867465, 1.2246818228262044e-06, 1.089230542391425e-05, 0, 0.015844397541342408], // 8
        [0.0036767456435226396, 0, 0.9200127135679904, 0.00987929669016855, 0.5257214220795219, 0.328361265148806, 0.9926076518913093, 0.9911881294036792, 0.9695347555821274], // 9
        [0.0034027491963902444, 0, 0.9640105099544839, 0.01173999923377434, 0.38516473574560245, 0.6488589036682877, 0.9967913674054304, 0.9967912485786397, 0.9825396560458938], // 10
        [0.006364950743702615, 0.006364950743702615, 0.9275317960461189, 0.02737840688254353, 0.7323624821048638, 0.7940915472309383, 0.9975990652359128, 0.9975926433898183, 0.9828924417641669], // 11
        [0.025539495483750067, 0, 0.03934820544170194, 0.002753680375524584, 0.003205058073440645, 0.0031814186370999467, 0.02803495141974839, 0, 0.04525272392534272], // 12
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
        #expect(Self.expected[9][7] > 0.5)    // violence/graphic in a long document's windows
        #expect(Self.expected[11][1] > 0)     // sexual/minors in one (session 13's model: no longer in document 9)
    }
}
