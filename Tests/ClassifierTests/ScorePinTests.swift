import Foundation
import Testing
import WardenCore
@testable import Classifier

/// The shipped model's scores of `PinnedTexts`. First computed with the scoring code before the speed
/// work (commit 331aa57), which the fast path (ASCII tokenizer, shared rule evidence, …) reproduced
/// exactly; re-pinned when the fast tier was retrained with the session-3 normalizer (`make model`).
/// A change in scoring or training that moves a score fails here. Columns:
/// the 8 categories in `ModerationCategory` order, then the `any` head.
@Suite("Pinned scores of the shipped model")
struct ScorePinTests {
    static let expected: [[Double]] = [
        [0.0045754277526168039, 0, 0.2470993368996606, 0.6190461873183026, 0.13506981910465687, 0.01359312047165934, 0.5898436296333924, 0, 0.33917512696810376], // 0
        [0.0027836927880933423, 0, 0.7971555594692326, 0.26050276610152606, 0.9917981738678356, 0.027515446361218446, 0.695074931368689, 0, 0.9649988184661433], // 1
        [0.0008979278726719463, 0, 0.030480906360627547, 0.002365930820965664, 0.011665325280906521, 0.0002582753140615217, 1.0463375747662486e-05, 0, 0.024423300058523462], // 2
        [0.0023371385361355738, 0, 0.8941571047001848, 0.016711317313473036, 0.002099153741264417, 9.0220085566256094e-05, 0.11087897863069252, 0, 0.8050255114233777], // 3
        [0.006214250234237297, 0, 0.013749824836384318, 0.0013308154807616535, 0.011654103247177642, 0.00028203421353744718, 0.6657306429075686, 0.6562345105887868, 0.22656718504064002], // 4
        [0.0319969514565565, 0.0319969514565565, 0.012946778108468268, 0.010212215004040119, 0.24277495742902688, 0.000606321716407736, 0.5528749493476942, 0, 0.24165845476873712], // 5
        [0.0120725024292751, 0, 0.034674603529142305, 0.04601775990874298, 0.014958419400838707, 0.4393530830885145, 0.02799998755287454, 0, 0.3672871997234388], // 6
        [0.03259893004696302, 0, 0.09571693351783106, 0.12454687070524736, 0.12874254920521438, 0.00629862737288187, 0.023917823251074832, 0, 0.08581409222756715], // 7
        [0.0030843437004405413, 0, 0.016236910006351052, 0.009546752905344427, 0.0016057420949884282, 7.5847861739351256e-06, 2.3715741027319493e-06, 0, 0.013370496451215302], // 8
        [0.021705134773861164, 0.021705134773861164, 0.8797848552080793, 0.011275097816198267, 0.10320722080773553, 0.36128855898843576, 0.9988846981254903, 0.9974561988701833, 0.9783418927293382], // 9
        [0.028805799255358693, 0.008742269030972142, 0.8097535655592991, 0.021346552743464347, 0.13149631734028905, 0.7382668183202142, 0.9986936281168601, 0.9986935090633022, 0.97160591703732], // 10
        [0.07414617247299633, 0.07414617247299633, 0.8437838715695263, 0.015629675504601544, 0.2777825697863288, 0.6009653275725446, 0.9988710240992711, 0.9988645940651938, 0.9790925232042503], // 11
        [0.013294158357693438, 0, 0.04376006823403101, 0.007349230145604806, 0.010448503255161038, 0.0013154028519489131, 0.00406845214523111, 0, 0.04120544619565808], // 12
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
