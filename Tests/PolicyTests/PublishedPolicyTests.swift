import Foundation
@testable import Policy
import Testing
import WardenCore

@Suite struct PublishedPolicyTests {
    func versions() -> [PolicyVersion] {
        var v2 = PlatformPolicy.standard
        v2.defaults.rules[.hate] = .both(PolicyRule(flagAt: 0.5, blockAt: 0.7))
        v2.bounds.categories[.hateThreatening] = CategoryBound(locked: true, rules: .both(PolicyRule(blockAt: 0.5)))
        v2.defaults.outputCap = OutputCap(maxOutputTokens: 2048, overCap: .reject)
        v2.defaults.systemMessage = "Be kind."
        return [
            PolicyVersion(number: 1, createdAt: Date(timeIntervalSince1970: 1_790_000_000), author: "ops", reason: "initial", document: .standard),
            PolicyVersion(number: 2, createdAt: Date(timeIntervalSince1970: 1_790_086_400), author: "<script>alert(1)</script>",
                          reason: "Tighten hate & threats after \"incident\" 'A'", document: v2),
        ]
    }

    @Test func changelogLinesAreHumanReadable() {
        let v = versions()
        #expect(PolicyChangelog.changes(from: v[0].document, to: v[1].document) == [
            "hate (input): flag at 0.50, block at 0.80 → flag at 0.50, block at 0.70",
            "hate (output): flag at 0.50, block at 0.80 → flag at 0.50, block at 0.70",
            "bound hate/threatening: now locked (apps cannot change it)",
            "bound hate/threatening (input): block at ≤ 0.60 → block at ≤ 0.50",
            "bound hate/threatening (output): block at ≤ 0.60 → block at ≤ 0.50",
            "platform system message: added",
            "output cap: 4096 tokens (clamp) → 2048 tokens (reject)",
        ])
        #expect(PolicyChangelog.changes(from: nil, to: .standard) == ["first version"])
        #expect(PolicyChangelog.changes(from: .standard, to: .standard).isEmpty)
    }

    @Test func equivalentRulesAreNotReportedAsChanges() {
        var a = PlatformPolicy.standard
        a.defaults.rules[.hate] = .both(PolicyRule(flagAt: 0.9, blockAt: 0.8))   // behaves as block at 0.8
        var b = PlatformPolicy.standard
        b.defaults.rules[.hate] = .both(PolicyRule(blockAt: 0.8))
        #expect(PolicyChangelog.changes(from: a, to: b).isEmpty)
    }

    @Test func thresholdsPrintExactly() {
        #expect(PolicyChangelog.threshold(0.8) == "0.80")
        #expect(PolicyChangelog.threshold(0.875) == "0.875")
        #expect(PolicyChangelog.threshold(1) == "1.00")
        #expect(PolicyChangelog.describe(PolicyRule()) == "allow")
        #expect(PolicyChangelog.describe(PolicyRule(flagAt: 0.4)) == "flag at 0.40")
        #expect(PolicyChangelog.describeBound(nil) == "unbounded")
    }

    @Test func htmlIsEscapedSelfContainedAndComplete() {
        let html = PublishedPolicy.html(versions: versions())
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("Tighten hate &amp; threats after &quot;incident&quot; &#39;A&#39;"))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<link") && !html.contains("src="))
        #expect(html.contains("Version <strong>2</strong>, in force since 2026-09-22T14:13:20Z."))
        // Every category with both directions and its bounds.
        for c in ModerationCategory.allCases { #expect(html.contains("<code>\(c.rawValue)")) }
        #expect(html.contains("<tr><td><code>hate</code></td><td>flag at 0.50, block at 0.70</td><td>flag at 0.50, block at 0.70</td><td>block at ≤ 0.90</td><td>block at ≤ 0.90</td></tr>"))
        #expect(html.contains("<code>sexual/minors <span class=\"locked\">(locked: applications cannot change it)</span></code></td><td>block at 0.30</td>"))
        #expect(html.contains("<li>hate (input): flag at 0.50, block at 0.80 → flag at 0.50, block at 0.70</li>"))
        #expect(html.contains("<li>first version</li>"))
        // Newest version first in the changelog.
        let v2 = html.range(of: "<h3>Version 2")!, v1 = html.range(of: "<h3>Version 1")!
        #expect(v2.lowerBound < v1.lowerBound)
        #expect(html.hasSuffix("</body></html>\n"))
    }

    @Test func htmlWithoutVersions() {
        #expect(PublishedPolicy.html(versions: []).contains("No policy has been published yet."))
        #expect(PublishedPolicy.json(versions: []) == #"{"version":null}"#)
    }

    @Test func jsonCarriesTheSameContent() throws {
        let json = PublishedPolicy.json(versions: versions().reversed())   // order of the input does not matter
        let doc = try JSONDecoder().decode(PublishedPolicy.Document.self, from: Data(json.utf8))
        #expect(doc.version == 2)
        #expect(doc.createdAt == "2026-09-22T14:13:20Z")
        #expect(doc.categories.count == 8)
        #expect(doc.categories.first { $0.category == "hate/threatening" } == PublishedPolicy.CategoryEntry(
            category: "hate/threatening", input: "flag at 0.30, block at 0.50", output: "flag at 0.30, block at 0.50",
            boundInput: "block at ≤ 0.50", boundOutput: "block at ≤ 0.50", locked: true,
            inputRule: PolicyRule(flagAt: 0.3, blockAt: 0.5), outputRule: PolicyRule(flagAt: 0.3, blockAt: 0.5),
            boundRules: .both(PolicyRule(blockAt: 0.5))))
        #expect(doc.changelog.map(\.version) == [2, 1])
        #expect(doc.changelog[0].author == "<script>alert(1)</script>")
        #expect(doc.outputCap == OutputCap(maxOutputTokens: 2048, overCap: .reject))
        #expect(json.contains("\"bound_input\""))
    }

    @Test func versionsRoundTripAsJSON() throws {
        let v = versions()[1]
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        #expect(try decoder.decode(PolicyVersion.self, from: encoder.encode(v)) == v)
    }
}

@Suite struct AppChangelogTests {
    @Test func appChangesAreListed() {
        var a = AppPolicy()
        a.rules[.hate] = DirectionalRules(input: PolicyRule(blockAt: 0.6))
        a.blockLists.input.terms = ["old term"]
        var b = AppPolicy(systemMessage: "New.", outputCap: OutputCap(maxOutputTokens: 512, overCap: .reject), secondOpinion: true)
        b.rules[.violence] = DirectionalRules(output: PolicyRule(flagAt: 0.6, blockAt: 0.95))
        b.blockLists.input = BlockListSpec(terms: ["project nightshade"], regexes: [#"\d+"#])
        #expect(PolicyChangelog.changes(from: a, to: b) == [
            "hate (input): block at 0.60 → default",
            "violence (output): default → flag at 0.60, block at 0.95",
            "app system message: added",
            "block list (input): added term \"project nightshade\"",
            "block list (input): removed term \"old term\"",
            "block list (input): added regex \"\\d+\"",
            "app output cap: platform's → 512 tokens (reject)",
            "second opinion: off → on",
        ])
        #expect(PolicyChangelog.changes(from: b, to: b).isEmpty)
        #expect(PolicyChangelog.changes(from: nil, to: AppPolicy()).isEmpty)
    }
}
