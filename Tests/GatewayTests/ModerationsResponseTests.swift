import Foundation
import NIOCore
import Testing
import WardenCore
@testable import Gateway

@Suite("Moderations response encoding")
struct ModerationsResponseTests {
    /// The reference: the `JSONValue` tree the route used to build and serialize.
    func reference(id: String, model: String, results: [ModerationResult]) -> String {
        JSONValue.object([
            ("id", .string(id)),
            ("model", .string(model)),
            ("results", .array(results.map { ModerationsRoute.json($0) })),
        ]).serializedString()
    }

    func direct(id: String, model: String, results: [ModerationResult]) -> String {
        var buffer = ByteBuffer()
        ModerationsRoute.writeResponse(id: id, model: model, results: results, into: &buffer)
        return String(buffer: buffer)
    }

    func result(_ scores: [Double], flagged: Set<Int>) -> ModerationResult {
        let cats = ModerationCategory.allCases
        return ModerationResult(
            categoryScores: Dictionary(uniqueKeysWithValues: cats.enumerated().map { ($1, scores[$0]) }),
            categories: Dictionary(uniqueKeysWithValues: cats.enumerated().map { ($1, flagged.contains($0)) }))
    }

    @Test func sameBytesAsTheJSONTree() throws {
        let a = result([0.00457543, 0, 0.24673, 0.618871, 0.134852, 0.0135931, 0.587797, 1e-9], flagged: [3, 6])
        let b = result([0, 0, 0, 0, 0, 0, 0, 0], flagged: [])
        let c = result([1.5, -0.2, .nan, .infinity, 1, 0.5, 2e-300, 0.999999999], flagged: [0, 1, 2, 3, 4, 5, 6, 7])
        for (model, results) in [("warden-fast-1", [a]), ("m \"quoted\" \\ name\n", [a, b, c]), ("x", [b])] {
            let got = direct(id: "modr-abc123", model: model, results: results)
            #expect(got == reference(id: "modr-abc123", model: model, results: results))
            // And it is valid JSON with the public API's shape.
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(got.utf8)) as? [String: Any])
            #expect(parsed["id"] as? String == "modr-abc123")
            #expect(parsed["model"] as? String == model)
            #expect((parsed["results"] as? [Any])?.count == results.count)
        }
        // The exact bytes for one result (computed by hand).
        let one = direct(id: "modr-1", model: "m", results: [result([0.25, 0, 0, 0, 0, 0, 0.75, 0], flagged: [6])])
        #expect(one == #"{"id":"modr-1","model":"m","results":[{"flagged":true,"categories":{"sexual":false,"sexual/minors":false,"hate":false,"hate/threatening":false,"harassment":false,"self-harm":false,"violence":true,"violence/graphic":false},"category_scores":{"sexual":0.25,"sexual/minors":0.0,"hate":0.0,"hate/threatening":0.0,"harassment":0.0,"self-harm":0.0,"violence":0.75,"violence/graphic":0.0}}]}"#)
    }
}
