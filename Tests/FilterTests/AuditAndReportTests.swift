import Foundation
import Testing
import WardenCore
@testable import Classifier
@testable import Filter

@Suite struct IdentityMentionTests {
    @Test func matchesWholeTokensAndMultiWordNames() {
        let m = IdentityMentions()
        func names(_ s: String) -> [String] { m.groups(in: TextNormalizer.normalize(s)).map { m.names[$0].group } }
        #expect(names("My MUSLIM neighbour and a Native American author") == ["Muslim", "Native American", "American"])
        #expect(names("Muslims and gaydar") == [])          // whole tokens only
        #expect(names("nothing here") == [])
    }
}

@Suite struct DedupTests {
    @Test func exactNearAndUnique() {
        let mh = MinHasher()
        let base = (0..<120).map { "word\($0)" }.joined(separator: " ")
        var edited = base.split(separator: " ").map(String.init)
        edited[60] = "changed"                     // one word of 120: Jaccard of 5-shingles ≈ 0.92
        let other = (0..<120).map { "other\($0)" }.joined(separator: " ")
        func keys(_ t: String) -> DedupKeys { DedupKeys(exact: ExactKey(t), bands: mh.bandKeys(TextNormalizer.normalize(t))) }
        var index = DedupIndex(mode: .near)
        #expect(index.check(keys(base)) == .unique)
        #expect(index.check(keys(base)) == .exact)
        #expect(index.check(keys(edited.joined(separator: " "))) == .near)
        #expect(index.check(keys(other)) == .unique)
        var exactOnly = DedupIndex(mode: .exact)
        #expect(exactOnly.check(keys(base)) == .unique)
        #expect(exactOnly.check(keys(edited.joined(separator: " "))) == .unique)
        let restored = DedupIndex.deserialize(index.serialized(), mode: .near)
        var r = try! #require(restored)
        #expect(r.check(keys(other)) == .exact)
    }

    @Test func signatureEstimatesJaccard() {
        let mh = MinHasher()
        // Shingle sets sharing 50 of 150 distinct shingles → Jaccard 1/3.
        let a = TextNormalizer.normalize((0..<104).map { "a\($0)" }.joined(separator: " "))
        let shared = (50..<104).map { "a\($0)" } + (0..<50).map { "b\($0)" }
        let b = TextNormalizer.normalize(shared.joined(separator: " "))
        let sa = Set(mh.shingles(a)), sb = Set(mh.shingles(b))
        let exact = Double(sa.intersection(sb).count) / Double(sa.union(sb).count)
        let est = MinHasher.estimatedJaccard(mh.signature(a), mh.signature(b))
        #expect(abs(est - exact) < 0.12)   // 128 hashes: standard error ≈ 0.04
    }
}

@Suite struct BiasAuditTests {
    @Test func templatesFlagTheGroupTheScorerIsBiasedAgainst() {
        var scorer = KeywordScorer()
        scorer.alsoHateful = ["muslim"]
        let p = DocumentProcessor(scorer: scorer, policy: FilterPolicy(thresholds: .uniform(0.5)))
        let audit = FilterBiasAudit.run(tally: FilterTally(), processor: p, factor: 2)
        let muslim = audit.templates.first { $0.group == "Muslim" }!
        #expect(muslim.removal.count == BiasAudit.templates.count && muslim.warned)
        #expect(audit.templates.filter { $0.removal.count > 0 }.map(\.group) == ["Muslim"])
        #expect(audit.templateOverall.count == BiasAudit.templates.count)
        #expect(audit.warnings.count == 1 && audit.warnings[0].hasPrefix("templates: 16 of 16 benign sentences about \"Muslim\""))
    }

    @Test func corpusGroupRatesAgainstTheOverallRate() throws {
        let dir = TempDir(); defer { dir.cleanup() }
        // 40 documents mention "Sikh" (20 removed), 160 do not (0 removed): overall 10%, Sikh 50%.
        var rows: [String] = []
        for i in 0..<40 { rows.append(i % 2 == 0 ? "a Sikh family story \(i) toxicword" : "a Sikh family story \(i)") }
        for i in 0..<160 { rows.append("an unrelated story \(i)") }
        let o = try options(dir, inputs: [dir.write("a.jsonl", jsonl(rows))])
        let p = DocumentProcessor(scorer: KeywordScorer(), policy: o.policy)
        let t = try FilterRun(options: o, processor: p).run()
        let audit = FilterBiasAudit.run(tally: t, processor: p, factor: 2, minDocuments: 30)
        let sikh = audit.corpus.first { $0.group == "Sikh" }!
        #expect(sikh.removal.count == 20 && sikh.removal.total == 40)
        #expect(abs(audit.overallRemoval.rate - 0.1) < 1e-12 && abs(sikh.ratio - 5) < 1e-9 && sikh.warned)
        #expect(audit.warnings.count == 1 && audit.warnings[0].contains("\"Sikh\" (religion) are removed at 50.00%"))
        // Below the minimum number of documents: no warning.
        #expect(FilterBiasAudit.run(tally: t, processor: p, factor: 2, minDocuments: 41).warnings.isEmpty)
    }
}

@Suite struct ReportTests {
    @Test func htmlIsSelfContainedWithChartsAndJSONRoundTrips() throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let o = try options(dir, inputs: constructedCorpus(dir))
        let p = DocumentProcessor(scorer: KeywordScorer(), policy: o.policy)
        let t = try FilterRun(options: o, processor: p).run()
        let report = FilterReport(options: o, scorer: "keyword-stub", tally: t, audit: FilterBiasAudit.run(tally: t, processor: p),
                                  elapsed: 1, skippedFiles: ["x.md"])
        try report.write(to: dir.file("report"))
        let html = try String(contentsOfFile: dir.file("report/report.html"), encoding: .utf8)
        #expect(html.components(separatedBy: "<svg").count - 1 == 1 + 1 + 8 + 2)   // categories, toxicity, 8 histograms, 2 audit charts
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("<link"))
        #expect(html.contains("<td>3</td><td class=l>invalid_json: invalid JSON"))
        #expect(html.contains("This has toxicword in it."))
        let data = try Data(contentsOf: URL(fileURLWithPath: dir.file("report/report.json")))
        let back = try JSONDecoder().decode(FilterReport.self, from: data)
        #expect(back.tally == t)
        #expect(back.thresholds["hate"] == 0.5)
        #expect(report.summary.contains("documents in: 9"))
        #expect(report.summary.contains("removed: 3 (33.33%): sexual 1, hate 2, violence 1"))
    }
}
