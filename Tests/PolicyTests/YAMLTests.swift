import Foundation
@testable import Policy
import Testing
import WardenCore

@Suite struct YAMLTests {
    func platformError(_ yaml: String) -> String {
        do { _ = try PolicyDocument.parsePlatform(yaml); return "no error" } catch { return "\(error)" }
    }

    func appError(_ text: String, source: String = "app.yaml") -> String {
        do { _ = try PolicyDocument.parseApp(text, source: source, against: .standard); return "no error" } catch { return "\(error)" }
    }

    @Test func exampleFileEqualsTheStandardPolicy() throws {
        let loaded = try PolicyDocument.loadPlatform(path: exampleYAMLPath)
        #expect(loaded == PlatformPolicy.standard)
    }

    @Test func minimalDocumentGetsBuiltInSettings() throws {
        let p = try PolicyDocument.parsePlatform("defaults:\n  rules:\n    hate:\n      input: {action: block, at: 0.7}\n")
        #expect(p.bounds == HardBounds())
        #expect(p.defaults.rules[.hate] == DirectionalRules(input: PolicyRule(blockAt: 0.7)))
        #expect(p.defaults.streaming == StreamScreening())
        #expect(p.defaults.refusals == RefusalTemplates())
    }

    @Test func ruleForms() throws {
        let yaml = """
        defaults:
          rules:
            sexual: { both: allow }
            hate: { input: { flag_at: 0.4, block_at: never }, output: { action: flag, at: 0.6 } }
            violence: { input: { action: allow }, output: { flag_at: null, block_at: 1 } }
        """
        let p = try PolicyDocument.parsePlatform(yaml)
        #expect(p.defaults.rules[.sexual] == .both(.allowAll))
        #expect(p.defaults.rules[.hate] == DirectionalRules(input: PolicyRule(flagAt: 0.4), output: PolicyRule(flagAt: 0.6)))
        #expect(p.defaults.rules[.violence] == DirectionalRules(input: .allowAll, output: PolicyRule(blockAt: 1)))
    }

    @Test(arguments: [
        ("defaults:\n  rulez: {}\n",
         "policy.yaml:2: defaults.rulez: unknown key 'rulez'; expected one of: rules, system_message, refusals, input_screening, streaming, output_cap"),
        ("bounds: {}\ndefaults:\n  rules:\n    hat: { both: allow }\n",
         "policy.yaml:4: defaults.rules.hat: unknown category 'hat'; expected one of: sexual, sexual/minors, hate, hate/threatening, harassment, self-harm, violence, violence/graphic"),
        ("defaults:\n  rules:\n    hate:\n      input:\n        block_at: 1.5\n",
         "policy.yaml:5: defaults.rules.hate.input.block_at: 1.5 is outside [0, 1]"),
        ("defaults:\n  rules:\n    hate:\n      input: { block_at: high }\n",
         "policy.yaml:4: defaults.rules.hate.input.block_at: 'high' is not a number; expected a threshold in [0, 1] or never"),
        ("defaults:\n  rules:\n    hate:\n      output: deny\n",
         "policy.yaml:4: defaults.rules.hate.output: unknown action 'deny'; a rule is 'allow', {flag_at: x, block_at: y} or {action: flag|block, at: x}"),
        ("defaults:\n  rules:\n    hate:\n      output: { action: refuse, at: 0.5 }\n",
         "policy.yaml:4: defaults.rules.hate.output.action: unknown value 'refuse'; expected one of: allow, flag, block"),
        ("defaults:\n  rules:\n    hate:\n      output: { action: block }\n",
         "policy.yaml:4: defaults.rules.hate.output.at: action 'block' needs a threshold 'at' in [0, 1]"),
        ("defaults:\n  rules:\n    hate:\n      both: { flag_at: 0.9, block_at: 0.8 }\n",
         "policy.yaml:4: defaults.rules.hate.both.flag_at: flag_at 0.9 is not below block_at 0.8, so it would never apply; lower it or remove it"),
        ("defaults:\n  rules:\n    hate:\n      both: allow\n      input: allow\n",
         "policy.yaml:5: defaults.rules.hate.input: 'both' sets input and output together; remove 'input' or 'both'"),
        ("defaults:\n  streaming: { rescore_every_chars: 500, window_chars: 100 }\n",
         "policy.yaml:2: defaults.streaming.window_chars: 100 is below rescore_every_chars (500); text between scorings would be left out of every window"),
        ("defaults:\n  input_screening:\n    scope: everything\n",
         "policy.yaml:3: defaults.input_screening.scope: unknown value 'everything'; expected one of: all, user, last_user"),
        ("defaults:\n  input_screening:\n    other_message_weight: 2\n",
         "policy.yaml:3: defaults.input_screening.other_message_weight: 2 is outside [0, 1]"),
        ("defaults:\n  output_cap: { max_output_tokens: 0 }\n",
         "policy.yaml:2: defaults.output_cap.max_output_tokens: 0 must be at least 1"),
        ("defaults:\n  output_cap: { over_cap: truncate }\n",
         "policy.yaml:2: defaults.output_cap.over_cap: unknown value 'truncate'; expected one of: clamp, reject"),
        ("defaults:\n  refusals:\n    input_block: \"Blocked ({category})\"\n",
         "policy.yaml:3: defaults.refusals.input_block: unknown placeholder '{category}'; known: {categories}, {policy_version}"),
        ("bounds:\n  hate:\n    locked: yes\ndefaults: {}\n",
         "policy.yaml:3: bounds.hate.locked: expected true or false, found 'yes'"),
        ("bounds: {}\n", "policy.yaml:1: defaults: missing required key 'defaults'"),
        ("defaults:\n  rules: [1, 2]\n", "policy.yaml:2: defaults.rules: expected a mapping of categories, found a list"),
        ("", "policy.yaml: the document is empty; it needs 'bounds' and 'defaults' (see config/policy.example.yaml)"),
        ("defaults:\n  rules:\n    hate: { input: allow\n", "policy.yaml:4: invalid YAML/JSON: did not find expected ',' or '}'"),
    ])
    func platformErrorsNameLineAndKey(_ yaml: String, _ expected: String) {
        #expect(platformError(yaml) == expected)
    }

    @Test func duplicateKeysAreErrors() {
        let message = platformError("defaults:\n  system_message: a\n  system_message: b\n")
        #expect(message.hasPrefix("policy.yaml:"), "\(message)")
        #expect(message.contains("duplicate key 'system_message'"), "\(message)")
    }

    @Test func defaultsEscapingTheBoundsAreALoadErrorWithLines() {
        let yaml = """
        bounds:
          hate: { both: { block_at: 0.7 } }
        defaults:
          rules:
            hate:
              input: { flag_at: 0.5, block_at: 0.8 }
              output: { block_at: 0.9 }
        """
        #expect(platformError(yaml) == """
        policy.yaml:6: policy defaults: hate (input): block_at 0.8 is looser than the platform bound block_at ≤ 0.7
        policy.yaml:7: policy defaults: hate (output): block_at 0.9 is looser than the platform bound block_at ≤ 0.7
        """)
    }

    @Test func appCustomizationInYAML() throws {
        let yaml = """
        rules:
          self-harm:
            input: { flag_at: 0.6 }
            output: { flag_at: 0.5, block_at: 0.9 }
        system_message: "You support clinicians."
        block_lists:
          output:
            terms: [overdose threshold]
            regexes: ['(?i)\\bmg/kg\\b']
        output_cap: { max_output_tokens: 1024, over_cap: reject }
        second_opinion: true
        """
        let app = try PolicyDocument.parseApp(yaml, against: .standard)
        #expect(app.rules[.selfHarm] == DirectionalRules(input: PolicyRule(flagAt: 0.6), output: PolicyRule(flagAt: 0.5, blockAt: 0.9)))
        #expect(app.systemMessage == "You support clinicians.")
        #expect(app.blockLists.output == BlockListSpec(terms: ["overdose threshold"], regexes: [#"(?i)\bmg/kg\b"#]))
        #expect(app.outputCap == OutputCap(maxOutputTokens: 1024, overCap: .reject))
        #expect(app.secondOpinion)
    }

    @Test func appCustomizationInJSONGetsLinesToo() throws {
        let json = """
        {
          "rules": {
            "violence": {"output": {"flag_at": 0.6, "block_at": 0.95}},
            "hate": {"input": {"block_at": 0.95}}
          },
          "second_opinion": false
        }
        """
        #expect(appError(json, source: "app app_42") == "app app_42:4: app policy: hate (input): block_at 0.95 is looser than the platform bound block_at ≤ 0.9")
        let ok = try PolicyDocument.parseApp(#"{"rules": {"violence": {"output": {"flag_at": 0.6, "block_at": 0.95}}}}"#, against: .standard)
        #expect(ok.rules[.violence]?.output == PolicyRule(flagAt: 0.6, blockAt: 0.95))
    }

    @Test(arguments: [
        ("rules:\n  hate: { input: allow }\n  sexual/minors:\n    output: allow\n",
         "app.yaml:2: app policy: hate (input): block_at none (never blocks) is looser than the platform bound block_at ≤ 0.9\napp.yaml:4: app policy: sexual/minors: the category is locked by the platform; apps cannot set rules for it"),
        ("rules:\n  sexual/minors: { both: allow }\n",
         "app.yaml:2: app policy: sexual/minors: the category is locked by the platform; apps cannot set rules for it"),
        ("block_lists:\n  input:\n    regexes: ['ok', '(unclosed']\n",
         "app.yaml:3: block_lists.input.regexes[1]: invalid regular expression '(unclosed'"),
        ("block_lists:\n  input:\n    terms: ['']\n", "app.yaml:3: block_lists.input.terms[0]: empty term"),
        ("output_cap: { max_output_tokens: 100000 }\n",
         "app.yaml:1: app policy: output_cap.max_output_tokens 100000 is above the platform cap 4096; apps may only lower it"),
        ("refusals: {}\n",
         "app.yaml:1: refusals: unknown key 'refusals'; expected one of: rules, system_message, block_lists, output_cap, second_opinion"),
        ("second_opinion: maybe\n", "app.yaml:1: second_opinion: expected true or false, found 'maybe'"),
        ("{\n  \"second_opinion\": true\n  \"rules\": {}\n}", "app.yaml:3: invalid YAML/JSON: did not find expected ',' or '}'"),
    ])
    func appErrors(_ text: String, _ expected: String) {
        #expect(appError(text) == expected)
    }

    @Test func appErrorsReportEveryViolation() {
        let yaml = "rules:\n  hate:\n    both: { block_at: 0.95 }\n  hate/threatening:\n    output: allow\n"
        #expect(appError(yaml) == """
        app.yaml:3: app policy: hate (input): block_at 0.95 is looser than the platform bound block_at ≤ 0.9
        app.yaml:3: app policy: hate (output): block_at 0.95 is looser than the platform bound block_at ≤ 0.9
        app.yaml:5: app policy: hate/threatening (output): block_at none (never blocks) is looser than the platform bound block_at ≤ 0.6
        """)
    }

    @Test func emptyAppDocumentIsNoCustomization() throws {
        #expect(try PolicyDocument.parseApp("", against: .standard) == AppPolicy())
        #expect(try PolicyDocument.parseApp("{}", against: .standard) == AppPolicy())
    }

    @Test func unreadableAndNonUTF8FilesAreClearErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("policy-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.yaml")
        try Data([0x64, 0x65, 0x66, 0xC3, 0x28]).write(to: bad)
        #expect(throws: PolicyLoadError(source: bad.path, line: nil, path: "", message: "the file is not valid UTF-8")) {
            try PolicyDocument.loadPlatform(path: bad.path)
        }
        let missing = dir.appendingPathComponent("none.yaml").path
        #expect(throws: PolicyLoadError(source: missing, line: nil, path: "", message: "cannot read the file")) {
            try PolicyDocument.loadPlatform(path: missing)
        }
    }

    @Test func hugeDocumentLoads() throws {
        let terms = (0..<5_000).map { "'term number \($0)'" }.joined(separator: ", ")
        let app = try PolicyDocument.parseApp("block_lists:\n  input:\n    terms: [\(terms)]\n", against: .standard)
        #expect(app.blockLists.input.terms.count == 5_000)
    }
}

@Suite struct CanonicalJSONTests {
    @Test func platformJSONIsTheYAMLSchema() throws {
        var p = PlatformPolicy.standard
        p.defaults.streaming.rescoreEveryChars = nil
        p.defaults.systemMessage = "Be safe."
        let json = PolicyDocument.json(p)
        #expect(json.contains(#""bounds":{"hate":{"input":{"block_at":0.9},"locked":false,"output":{"block_at":0.9}}"#))
        #expect(json.contains(#""rescore_every_chars":null"#))
        #expect(try PolicyDocument.parsePlatform(json) == p)
        #expect(try JSONDecoder().decode(PlatformPolicy.self, from: Data(json.utf8)) == p)
        #expect(try PolicyDocument.parsePlatform(PolicyDocument.json(PlatformPolicy.standard)) == .standard)
    }

    @Test func appJSONIsTheYAMLSchema() throws {
        var app = AppPolicy(systemMessage: "x", outputCap: OutputCap(maxOutputTokens: nil, overCap: .reject), secondOpinion: true)
        app.rules[.violence] = DirectionalRules(output: PolicyRule(flagAt: 0.6, blockAt: 0.95))
        app.rules[.selfHarm] = DirectionalRules(input: .allowAll)
        app.blockLists.output = BlockListSpec(terms: ["a b"], regexes: [#"\d+/x"#])
        let json = PolicyDocument.json(app)
        #expect(try PolicyDocument.parseApp(json, against: .standard) == app)
        #expect(try JSONDecoder().decode(AppPolicy.self, from: Data(json.utf8)) == app)
    }
}

@Suite struct HostileDocumentTests {
    @Test func rawBytesMustBeUTF8() throws {
        let bad = Data([0x7B, 0x22, 0x73, 0xFF, 0x22, 0x7D])   // {"s\xFF"}
        #expect(throws: PolicyLoadError(source: "app app_1", line: nil, path: "", message: "the document is not valid UTF-8")) {
            try PolicyDocument.parseApp(bad, source: "app app_1", against: .standard)
        }
        let good = Data(#"{"second_opinion": true}"#.utf8)
        #expect(try PolicyDocument.parseApp(good, against: .standard).secondOpinion)
    }

    @Test func aHugeLineLoads() throws {
        let message = String(repeating: "x", count: 1_000_000)
        let app = try PolicyDocument.parseApp("system_message: \"\(message)\"\n", against: .standard)
        #expect(app.systemMessage?.count == 1_000_000)
    }

    @Test func aliasesAreResolvedOrRejectedCleanly() throws {
        let yaml = "rules:\n  hate: &strict { both: { block_at: 0.5 } }\n  harassment: *strict\n"
        let app = try PolicyDocument.parseApp(yaml, against: .standard)
        #expect(app.rules[.harassment] == .both(PolicyRule(blockAt: 0.5)))
        let nested = "block_lists:\n  input:\n    terms: &t [a, b]\n    regexes: [*t]\n"
        do {
            _ = try PolicyDocument.parseApp(nested, against: .standard)
            Issue.record("a list where a string is expected must be rejected")
        } catch let error as PolicyLoadError {
            // An alias reports the line of the node it refers to (the anchor), with the key path of its use.
            #expect(error.description == "app policy:3: block_lists.input.regexes[0]: expected a string, found a list")
        }
    }

    @Test func wrongShapesAreNamed() {
        let cases = [
            ("rules: 3\n", "app policy:1: rules: expected a mapping of categories, found '3'"),
            ("rules:\n  hate: [input]\n", "app policy:2: rules.hate: expected a mapping (key: value), found a list"),
            ("- a\n- b\n", "app policy:1: expected a mapping (key: value), found a list"),
            ("block_lists:\n  input:\n    terms: acme\n", "app policy:3: block_lists.input.terms: expected a list of strings, found 'acme'"),
        ]
        for (text, expected) in cases {
            do { _ = try PolicyDocument.parseApp(text, against: .standard); Issue.record("accepted \(text)") }
            catch { #expect("\(error)" == expected) }
        }
    }
}
