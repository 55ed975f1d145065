import Foundation
import Testing
import WardenCore
@testable import Classifier
@testable import Filter

/// The shipped model through the whole pipeline: counts must match scoring each text directly.
@Suite struct RealModelTests {
    static let modelURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Models/warden-fast.bin").standardizedFileURL

    static let toxic = [
        "I will kill you and your whole family, you worthless piece of trash.",
        "Go kill yourself, nobody would miss you.",
        "You stupid idiot, shut up and die.",
    ]
    static let benign = [
        "The recipe calls for two cups of flour and a pinch of salt.",
        "Our team meeting is moved to Thursday afternoon.",
        "The museum opens a new exhibition about medieval maps next week.",
        "Please water the tomatoes in the garden before you leave.",
    ]

    @Test func shippedModelRemovesTheToxicDocumentsOnly() throws {
        let clf = try ContentClassifier.load(contentsOf: Self.modelURL)
        let dir = TempDir(); defer { dir.cleanup() }
        let texts = Self.benign + Self.toxic + [String(repeating: "A long and calm paragraph about walking in the hills. ", count: 200)]
        var o = try options(dir, inputs: [dir.write("a.jsonl", jsonl(texts))])
        o.policy = FilterPolicy(thresholds: FilterThresholds(clf.thresholds))
        let t = try FilterRun(options: o, processor: DocumentProcessor(scorer: clf, policy: o.policy)).run()
        // Independent count: moderate() each text with the model's own thresholds.
        let flagged = texts.filter { clf.moderate($0).flagged }.count
        #expect(t.removed.documents == flagged)
        #expect(flagged == Self.toxic.count)
        #expect(t.kept.documents == texts.count - Self.toxic.count)
        #expect(t.keptToxicity.mean < t.inputToxicity.mean && t.keptToxicity.max < t.inputToxicity.max)
        let removed = try readLines(o.removedPath)
        #expect(removed.count == Self.toxic.count && removed[0].contains("I will kill you"))
    }
}
