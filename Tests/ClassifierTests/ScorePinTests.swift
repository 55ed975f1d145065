import Foundation
import Testing
import WardenCore
@testable import Classifier

/// The shipped model's scores of `PinnedTexts`, computed with the scoring code before the speed work
/// (commit 331aa57) and stored here: the fast path (ASCII tokenizer, shared rule evidence, …) must
/// give the same scores, and the training side and the scoring side must stay consistent. Columns:
/// the 8 categories in `ModerationCategory` order, then the `any` head.
@Suite("Pinned scores of the shipped model")
struct ScorePinTests {
    static let expected: [[Double]] = [
        [0.0045754277526168039, 0, 0.24673026771681711, 0.6188707339506806, 0.13485159519608789, 0.01359312047165934, 0.58779706765311979, 0, 0.33915988916428408], // 0
        [0.002760331639768731, 0, 0.79543250163496293, 0.2583101523106045, 0.99174474669643942, 0.027070744141893845, 0.69048550220738225, 0, 0.96466822081782155], // 1
        [0.00090250728605753452, 0, 0.030471087916992851, 0.002365930820965664, 0.011631586823484395, 0.00025684535423665814, 1.0463375747662486e-05, 0, 0.024449052952970673], // 2
        [0.002335500977043839, 0, 0.89397013423434191, 0.016669453472027546, 0.0020829517555274566, 9.0220085566256094e-05, 0.11083755852561587, 0, 0.80452822686828263], // 3
        [0.0062497997969474459, 0, 0.013812128693112375, 0.0013362238712699174, 0.011713567916146752, 0.00028203421353744718, 0.66468482822698793, 0.65520361364512203, 0.2262195828999628], // 4
        [0.032136295255788067, 0.032136295255788067, 0.013042279967402967, 0.010280304152117482, 0.24418862115330697, 0.00061305060827428757, 0.55440167748954483, 0, 0.2424628454697893], // 5
        [0.011994259595267818, 0, 0.034819535732363488, 0.04615287989034296, 0.014763140082583184, 0.43853686148277932, 0.026902165061219535, 0, 0.36711463953274343], // 6
        [0.032581029184008833, 0, 0.09567504889216745, 0.12454070115410681, 0.12866503438497912, 0.006290396089303249, 0.02393260736721467, 0, 0.085819397738271602], // 7
        [0.0030741962025922043, 0, 0.016248974536804087, 0.0095446600279932743, 0.0016057420949884282, 7.5847861739351256e-06, 2.3715741027319493e-06, 0, 0.013403086969730754], // 8
        [0.021562730937226035, 0.021562730937226035, 0.87888941020468592, 0.011134330177440335, 0.10196323913187004, 0.36667384489838256, 0.99888353246532569, 0.99745503487702258, 0.97839747248129749], // 9
        [0.029035814054958531, 0.0089198247093311579, 0.81122882156686416, 0.021327433386579307, 0.13220312542272161, 0.73904551247218919, 0.9986855776727378, 0.99868545862013958, 0.9716620152430322], // 10
        [0.074788763296017552, 0.074788763296017552, 0.84544929093266774, 0.015688338275391577, 0.27745896578512991, 0.60657325277170981, 0.99886882719718761, 0.99886239717725245, 0.97913380213088586], // 11
        [0.013293077900814311, 0, 0.043684796487466961, 0.0073256677743922197, 0.010385065936586536, 0.0013110012054274767, 0.0040201474152639039, 0, 0.041164267302785017], // 12
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
