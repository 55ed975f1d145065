import Foundation
import Testing
@testable import SentenceEncoder

/// The real all-MiniLM-L6-v2 against Hugging Face token ids and sentence-transformers
/// embeddings (Fixtures/minilm.json, written by scripts/encoder_fixtures.py).
///
/// When WARDEN_ENCODER_DIR is set (`make test` sets it) the model must be there: a missing file
/// fails the tests. When it is unset and `MiniLMEncoder.locate()` finds nothing, they are disabled.
enum RealModel {
    static let directory: URL? = {
        if let env = ProcessInfo.processInfo.environment["WARDEN_ENCODER_DIR"], !env.isEmpty { return URL(fileURLWithPath: env) }
        return try? MiniLMEncoder.locate()
    }()

    static let encoder: Result<MiniLMEncoder, any Error> = Result {
        guard let directory else { throw EncoderFileError(path: "", reason: "no model directory") }
        return try MiniLMEncoder.load(directory: directory)
    }

    static func load() throws -> MiniLMEncoder { try encoder.get() }
}

struct FixtureCase: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    let maxTokens: Int
    let ids: [Int32]
    let embedding: [Float]
    var testDescription: String { name }

    static let all: [FixtureCase] = {
        struct File: Decodable { let cases: [FixtureCase] }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/minilm.json")
        // A missing or broken fixture is a failure of the test target, not a skip.
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url)).cases
    }()
}

@Suite(.enabled(if: RealModel.directory != nil, "no all-MiniLM-L6-v2: run `make encoder` or set WARDEN_ENCODER_DIR"))
struct MiniLMEncoderTests {
    @Test func fixturesCoverTheHardCases() {
        let names = Set(FixtureCase.all.map(\.name))
        #expect(names.isSuperset(of: ["plain", "accents", "cjk", "emoji", "punctuation", "long_word", "whitespace_control", "empty", "long_256", "long_64"]))
        #expect(FixtureCase.all.first { $0.name == "long_256" }?.ids.count == 256)
        #expect(FixtureCase.all.first { $0.name == "long_64" }?.ids.count == 64)
    }

    @Test(arguments: FixtureCase.all)
    func tokenIDsEqualHuggingFace(_ c: FixtureCase) throws {
        let encoder = try RealModel.load()
        #expect(encoder.tokenIDs(c.text, maxTokens: c.maxTokens) == c.ids)
        #expect(encoder.tokenCount(c.text, maxTokens: c.maxTokens) == c.ids.count)
    }

    @Test(arguments: FixtureCase.all)
    func embeddingsEqualSentenceTransformers(_ c: FixtureCase) throws {
        let encoder = try RealModel.load()
        let v = encoder.embed([c.text], maxTokens: c.maxTokens)[0]
        #expect(v.count == 384)
        let cosine = zip(v, c.embedding).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        let worst = zip(v, c.embedding).map { abs($0 - $1) }.max()!
        #expect(cosine >= 0.9999, "cosine \(cosine)")
        #expect(worst <= 1e-4, "max abs diff \(worst)")
        let norm = v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(abs(norm - 1) < 1e-5)
    }

    @Test func aBatchOfMixedLengthsEqualsOneByOne() throws {
        let encoder = try RealModel.load()
        let texts = FixtureCase.all.filter { $0.maxTokens == 256 }.map(\.text) + ["ok", "Another short one!"]
        let batch = encoder.embed(texts)
        for (text, v) in zip(texts, batch) {
            #expect(v == encoder.embed([text])[0], "\(text.prefix(30))")
        }
    }

    @Test func twoThreadsEqualOne() throws {
        let encoder = try RealModel.load()
        let texts = FixtureCase.all.map(\.text)
        #expect(encoder.embed(texts, threads: 2) == encoder.embed(texts, threads: 1))
    }

    @Test func batchesLargerThanOnePassAreSplitAndKeepTheirOrder() throws {
        let encoder = try RealModel.load()
        let long = FixtureCase.all.first { $0.name == "long_256" }!
        // 20 × 256 tokens > tokensPerPass (4096): two passes
        let texts = (0..<20).map { $0 % 3 == 0 ? "short text \($0)" : long.text }
        let vectors = encoder.embed(texts, threads: 2)
        #expect(vectors.count == 20)
        let alone = encoder.embed([long.text, "short text 9"])
        #expect(vectors[1] == alone[0])
        #expect(vectors[19] == alone[0])
        #expect(vectors[9] == alone[1])
        #expect(encoder.embed([]) == [])
    }

    @Test func similarMeaningsAreCloserThanUnrelatedOnes() throws {
        let encoder = try RealModel.load()
        let v = encoder.embed(["I am going to hurt you", "I will harm you", "The recipe needs two eggs"])
        func cos(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        #expect(cos(v[0], v[1]) > cos(v[0], v[2]) + 0.3)
    }
}
