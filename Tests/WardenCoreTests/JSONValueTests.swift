import Testing
@testable import WardenCore

@Suite struct JSONValueTests {
    @Test func roundTripKeepsOrderAndNumberText() throws {
        let text = #"{"model":"m","max_tokens":16,"temperature":0.70,"big":1e3,"nested":{"b":[1,true,null],"a":"x"}}"#
        let value = try JSONValue.parse(Array(text.utf8))
        #expect(value.serializedString() == text)
        #expect(value["max_tokens"]?.int == 16)
        #expect(value["temperature"]?.double == 0.7)
        #expect(value["nested"]?["b"]?.array?.count == 3)
    }

    @Test func setReplacesInPlaceAndAppends() throws {
        var value = try JSONValue.parse(Array(#"{"a":1,"model":"x","c":3}"#.utf8))
        value["model"] = .string("y")
        value["d"] = .bool(true)
        #expect(value.serializedString() == #"{"a":1,"model":"y","c":3,"d":true}"#)
        value["a"] = nil
        #expect(value.serializedString() == #"{"model":"y","c":3,"d":true}"#)
    }

    @Test func escapesAndUnicode() throws {
        let value = try JSONValue.parse(Array(#"{"s":"a\"b\\c\n\u00e9\ud83d\ude00/\t"}"#.utf8))
        #expect(value["s"]?.string == "a\"b\\c\né😀/\t")
        let again = try JSONValue.parse(value.serialized())
        #expect(again == value)
    }

    @Test(arguments: [
        "", "{", "{\"a\":}", "[1,]", "{\"a\":1}x", "tru", "01", "1.", "\"\\x\"", "{'a':1}", "\"\\ud800\"", "[\"a\u{01}\"]",
    ])
    func rejectsInvalidJSON(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(text.utf8)) }
    }

    @Test func rejectsInvalidUTF8InStrings() {
        let bytes: [UInt8] = Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes) }
    }

    @Test func rejectsDeepNesting() {
        let text = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(text.utf8)) }
    }

    @Test func errorNamesOffset() {
        do {
            _ = try JSONValue.parse(Array(#"{"a": nul}"#.utf8))
            Issue.record("expected a parse error")
        } catch {
            #expect(error.offset == 6)
        }
    }
}

@Suite struct APIKeyTests {
    @Test func generatedKeysHaveShapeAndEntropy() {
        let keys = (0..<200).map { _ in APIKeyHasher.generate() }
        #expect(Set(keys).count == 200)
        for key in keys {
            #expect(key.hasPrefix("wdn-"))
            #expect(key.count == 36)
            #expect(APIKeyHasher.displayPrefix(of: key) == String(key.prefix(12)))
        }
    }

    @Test func verifiesOnlyTheRightKey() {
        for secret in [nil, "server-secret"] {
            let hasher = APIKeyHasher(secret: secret)
            let key = APIKeyHasher.generate()
            let stored = hasher.hash(key)
            #expect(stored.count == 64)
            #expect(!stored.contains(key))
            #expect(hasher.verify(key, againstHash: stored))
            #expect(!hasher.verify(APIKeyHasher.generate(), againstHash: stored))
            #expect(!hasher.verify(key + "x", againstHash: stored))
        }
    }

    @Test func hmacDependsOnSecret() {
        let key = APIKeyHasher.generate()
        #expect(APIKeyHasher(secret: "a").hash(key) != APIKeyHasher(secret: "b").hash(key))
        #expect(APIKeyHasher(secret: nil).hash(key) != APIKeyHasher(secret: "a").hash(key))
    }

    @Test func malformedKeysHaveNoPrefix() {
        #expect(APIKeyHasher.displayPrefix(of: "sk-abc") == nil)
        #expect(APIKeyHasher.displayPrefix(of: "wdn-short") == nil)
        #expect(APIKeyHasher.displayPrefix(of: "wdn-" + String(repeating: "!", count: 32)) == nil)
    }

    @Test func constantTimeEquality() {
        #expect(APIKeyHasher.constantTimeEquals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!APIKeyHasher.constantTimeEquals(Array("abc".utf8), Array("abd".utf8)))
        #expect(!APIKeyHasher.constantTimeEquals(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!APIKeyHasher.constantTimeEquals([], Array("a".utf8)))
    }
}

@Suite struct RetentionAndErrorTests {
    @Test func retentionKeepsWhatTheOperatorChose() {
        #expect(TextRetention.none.stored("secret") == nil)
        #expect(TextRetention.full.stored("secret") == "secret")
        let hashed = TextRetention.hash.stored("secret")
        #expect(hashed?.hasPrefix("sha256:") == true)
        #expect(hashed?.contains("secret") == false)
        #expect(TextRetention.hash.stored("secret") == hashed)
    }

    @Test func errorBodyHasOpenAIShape() throws {
        let error = OpenAIError.invalidRequest("bad", param: "messages")
        let json = try JSONValue.parse(error.jsonBody())
        #expect(json["error"]?["message"]?.string == "bad")
        #expect(json["error"]?["type"]?.string == "invalid_request_error")
        #expect(json["error"]?["param"]?.string == "messages")
        #expect(json["error"]?["code"]?.isNull == true)
    }

    @Test func identifiersHavePrefixes() {
        #expect(Identifier.make(.org).hasPrefix("org_"))
        #expect(Identifier.make(.req, length: 20).count == 24)
    }
}
