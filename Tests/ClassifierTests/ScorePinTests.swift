import Foundation
import Testing
import WardenCore
@testable import Classifier

/// The shipped model's scores of `PinnedTexts`. First computed with the scoring code before the speed
/// work (commit 331aa57), which the fast path (ASCII tokenizer, shared rule evidence, …) reproduced
/// exactly; re-pinned when the fast tier was retrained with the session-3 normalizer (`make model`)
/// and in session 10 (threat and refusal augmentation, source intercepts).
/// A change in scoring or training that moves a score fails here. Columns:
/// the 8 categories in `ModerationCategory` order, then the `any` head.
@Suite("Pinned scores of the shipped model")
struct ScorePinTests {
    static let expected: [[Double]] = [
        [0.0011272437174457805, 0, 0.06461240284025474, 0.18479857957728843, 0.1951909983673138, 0.0012850472889281567, 0.8634251759363655, 0, 0.464290029847591], // 0
        [0.00012231250643821902, 0, 0.18940001417184818, 0.008033285913226761, 0.9882917429792032, 0.00018779098902247266, 0.013774834157804122, 0, 0.8977657473359286], // 1
        [0.0010282421741891698, 0, 0.02003653821759919, 0.008616671109947002, 0.0041336130402271415, 6.583299985942631e-05, 2.3321466506997836e-06, 0, 0.01618147457386225], // 2
        [0.0010176937118812205, 0, 0.8520215972308652, 0.028716320646916114, 0.00036195536756701086, 0.0001056006197373243, 0.0016060024839040976, 0, 0.7535140592966287], // 3
        [0.004039505532670294, 0, 0.01420105359922302, 0.0006826855604583454, 0.010664227987710067, 0.00019201079774255466, 0.702079515042735, 0.6920648941984342, 0.2601096256815354], // 4
        [0.006222840903128899, 0.006222840903128899, 0.01427752311563068, 0.004774687341070809, 0.1670155883244288, 0.0014436790064677111, 0.4045026807188018, 0, 0.181300252578889], // 5
        [0.0007381874561803143, 0, 0.005471897181143222, 0.01024960456642322, 0.0039232824716795055, 0.490052094841119, 0.001739883875016037, 0, 0.28140820713621645], // 6
        [0.034852229194491886, 0, 0.07836792119530066, 0.1338208192411352, 0.10655902200046577, 0.01106880089635947, 0.039758128729022305, 0, 0.07701728753969299], // 7
        [0.002834202581108186, 0, 0.012681043237130965, 0.009613729046113283, 0.003212385155262818, 3.0473626041936755e-06, 4.444215107582784e-06, 0, 0.01282086351086568], // 8
        [0.01844304122954585, 0.01844304122954585, 0.9517575645600543, 0.004208288916271716, 0.7448072662526111, 0.7182391539995507, 0.9959693988002587, 0.9945450686977307, 0.9796778059498442], // 9
        [0.007716010126796753, 0, 0.9588001205791166, 0.0028721332098540185, 0.5322892747348836, 0.7581459467846765, 0.9982487869310857, 0.998248667930557, 0.9828295802371314], // 10
        [0.011107227885467683, 0.011107227885467683, 0.9414951600034922, 0.0063566024132575925, 0.746067665408111, 0.799428236175334, 0.9980483415885739, 0.9976573358457074, 0.9839531666207889], // 11
        [0.01569399710887125, 0, 0.0254658825097392, 0.001633553017936769, 0.009755278638095069, 0.0016149063734641033, 0.004680835973983418, 0, 0.027845847922245006], // 12
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
