import Foundation
import Testing
import WardenCore
@testable import Filter

/// A small corpus with known outcomes under `KeywordScorer` at threshold 0.5.
/// a.jsonl: 9 rows → 5 documents (2 removed: toxicword, violentword+lewdword), invalid JSON (line 3),
/// not an object (line 5), missing text (line 6), empty text (line 8); b.txt: 3 lines → 3 documents
/// (1 removed: borderline 0.55); c.jsonl.gz: invalid UTF-8 on line 2, 1 document kept; empty.jsonl.
func constructedCorpus(_ dir: TempDir) -> [String] {
    var a = jsonl(["A calm text about gardens.", "This has toxicword in it."])
    a += "{\"text\": \"broken\n"                                       // line 3: invalid JSON
    a += "{\"text\": \"A second kept text.\", \"id\": 7}\n"              // line 4
    a += "[1, 2]\n"                                                     // line 5: not an object
    a += "{\"body\": \"no text field\"}\n"                              // line 6
    a += "{\"text\": \"violentword and lewdword\"}\n"                   // line 7: removed (violence, sexual)
    a += "{\"text\": \"   \"}\n"                                        // line 8: empty text
    a += "{\"text\": \"Last kept row.\"}\n"                             // line 9
    let pa = dir.write("a.jsonl", a)
    let pb = dir.write("b.txt", "plain line one\nthis is borderline stuff\n\nplain line three\n")
    var c = Array("{\"text\": \"gz kept\"}\n".utf8)
    c += Array("{\"text\": \"bad ".utf8) + [0xFF, 0xFE] + Array("\"}\n".utf8)
    let pc = dir.write("c.jsonl.gz", c)
    let pe = dir.write("empty.jsonl", "")
    return [pa, pb, pc, pe]
}

@Suite struct PipelineTests {
    @Test func exactCountsOnTheConstructedCorpus() throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let opts = try options(dir, inputs: constructedCorpus(dir))
        let p = DocumentProcessor(scorer: KeywordScorer(), policy: opts.policy)
        let t = try FilterRun(options: opts, processor: p).run()
        #expect(t.input.documents == 9)
        #expect(t.removed.documents == 3)
        #expect(t.kept.documents == 6)
        #expect(t.removedByCategory[ModerationCategory.hate.index].documents == 2)
        #expect(t.removedByCategory[ModerationCategory.violence.index].documents == 1)
        #expect(t.removedByCategory[ModerationCategory.sexual.index].documents == 1)
        #expect(t.problemCounts == ["invalid_json": 1, "not_an_object": 1, "missing_text_field": 1, "empty_text": 1, "invalid_utf8": 1])
        #expect(t.problems.map { "\(($0.path as NSString).lastPathComponent):\($0.line)" } ==
                ["a.jsonl:3", "a.jsonl:5", "a.jsonl:6", "a.jsonl:8", "c.jsonl.gz:2"])
        #expect(t.filesRead == 4)
        #expect(t.emptyFiles.map { ($0 as NSString).lastPathComponent } == ["empty.jsonl"])
        let kept = try readLines(opts.keptPath)
        #expect(kept.count == 6)
        #expect(kept[0] == "{\"text\":\"A calm text about gardens.\"}")
        #expect(kept[1] == "{\"text\": \"A second kept text.\", \"id\": 7}")   // the row exactly as it was
        #expect(kept[3].hasPrefix("{\"text\":\"plain line one\",\"source\":") && kept[3].hasSuffix(",\"line\":1}"))
        let removed = try readLines(opts.removedPath)
        #expect(removed.count == 3)
        #expect(removed[0].contains("\"decision\":\"removed\",\"categories\":[\"hate\"],\"scores\":{\"sexual\":0.0100,\"sexual/minors\":0.0100,\"hate\":0.9000"))
        #expect(removed[1].contains("\"categories\":[\"sexual\",\"violence\"]"))
        // Kept toxicity is lower than the input's.
        #expect(t.keptToxicity.max < t.inputToxicity.max)
        #expect(abs(t.inputToxicity.mean - (0.9 + 0.8 + 0.55 + 6 * 0.01) / 9) < 1e-9)
        #expect(abs(t.keptToxicity.mean - 0.01) < 1e-9)
    }

    @Test func strictStopsAtTheFirstInvalidRecordWithItsLine() throws {
        let dir = TempDir(); defer { dir.cleanup() }
        var opts = try options(dir, inputs: constructedCorpus(dir))
        opts.strict = true
        let p = DocumentProcessor(scorer: KeywordScorer(), policy: opts.policy)
        do {
            _ = try FilterRun(options: opts, processor: p).run()
            Issue.record("expected an error")
        } catch let FilterError.input(path, line, reason) {
            #expect(path.hasSuffix("a.jsonl") && line == 3)
            #expect(reason.hasPrefix("invalid_json: invalid JSON"))
        }
    }

    @Test func annotateWritesScoresBesideKeptDocuments() throws {
        let dir = TempDir(); defer { dir.cleanup() }
        var opts = try options(dir, inputs: [dir.write("a.jsonl", jsonl(["fine", "toxicword"]))])
        opts.annotate = true
        _ = try FilterRun(options: opts, processor: DocumentProcessor(scorer: KeywordScorer(), policy: opts.policy)).run()
        #expect(try readLines(opts.keptPath) == [
            "{\"text\":\"fine\",\"warden\":{\"decision\":\"kept\",\"categories\":[],\"scores\":{\"sexual\":0.0100,\"sexual/minors\":0.0100,\"hate\":0.0100,\"hate/threatening\":0.0100,\"harassment\":0.0100,\"self-harm\":0.0100,\"violence\":0.0100,\"violence/graphic\":0.0100}}}",
        ])
    }

    @Test func spanLevelMasksOnlyViolatingSentences() throws {
        let dir = TempDir(); defer { dir.cleanup() }
        var opts = try options(dir, inputs: [dir.write("a.jsonl", jsonl([
            "Nice day. You toxicword person. We went to the park and it was nice.",   // masked
            "toxicword. ok",                                                         // flagged chars 11 of 13 > 50%: removed
            "All fine here.",
        ]))])
        opts.policy.spans = SpanPolicy(action: .mask, maxFlaggedFraction: 0.5, maskText: "[FILTERED]")
        let t = try FilterRun(options: opts, processor: DocumentProcessor(scorer: KeywordScorer(), policy: opts.policy)).run()
        #expect(t.masked.documents == 1 && t.maskedSpans == 1)
        #expect(t.removed.documents == 1 && t.kept.documents == 2)
        #expect(try readLines(opts.keptPath) == [
            "{\"text\":\"Nice day. [FILTERED] We went to the park and it was nice.\"}",
            "{\"text\":\"All fine here.\"}",
        ])
        // The kept text of the masked document scores 0.01, not 0.9.
        #expect(t.keptToxicity.max == 0.01)
        #expect(t.maskedByCategory[ModerationCategory.hate.index].documents == 1)
    }

    @Test func oneAndTwoThreadsWriteIdenticalBytes() throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let rows = (0..<3000).map { i in i % 7 == 0 ? "row \(i) toxicword" : "row \(i) is a harmless sentence number \(i)" }
        let input = dir.write("big.jsonl", jsonl(rows))
        var outs: [[UInt8]] = []
        var tallies: [FilterTally] = []
        for threads in [1, 2] {
            var opts = try options(dir, inputs: [input])
            opts.threads = threads
            opts.batchDocuments = 50
            opts.keptPath = dir.file("kept\(threads).jsonl.gz")
            opts.removedPath = dir.file("removed\(threads).jsonl.gz")
            tallies.append(try FilterRun(options: opts, processor: DocumentProcessor(scorer: KeywordScorer(), policy: opts.policy)).run())
            outs.append(fileBytes(opts.keptPath) + fileBytes(opts.removedPath))
        }
        #expect(outs[0] == outs[1])
        #expect(tallies[0] == tallies[1])
        #expect(tallies[0].removed.documents == 429)   // multiples of 7 below 3000: 0, 7, …, 2996
    }

    @Test func killAndResumeGivesTheSameOutputAsOneRun() throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let rows = (0..<2000).map { i in i % 5 == 0 ? "text \(i) toxicword" : (i % 11 == 0 ? "dup text" : "text \(i) is fine") }
        let inputs = [dir.write("a.jsonl", jsonl(Array(rows[..<1200]))), dir.write("b.jsonl.gz", jsonl(Array(rows[1200...])))]
        func opts(_ tag: String) throws -> FilterOptions {
            var o = try options(dir, inputs: inputs)
            o.batchDocuments = 40
            o.checkpointEveryBatches = 3
            o.threads = 2
            o.dedup = .near
            o.keptPath = dir.file("kept-\(tag).jsonl.gz")
            o.removedPath = dir.file("removed-\(tag).jsonl.gz")
            o.checkpointPath = dir.file("cp-\(tag).json")
            return o
        }
        let one = try opts("one")
        let expected = try FilterRun(options: one, processor: DocumentProcessor(scorer: KeywordScorer(), policy: one.policy, dedup: .near)).run()

        var first = try opts("two")
        first.interruptAfterCheckpoints = 4   // 12 batches = 480 rows in, plus one more batch written past the checkpoint
        let p = DocumentProcessor(scorer: KeywordScorer(), policy: first.policy, dedup: .near)
        #expect(throws: FilterError.interruptedForTesting) { try FilterRun(options: first, processor: p).run() }
        #expect(FileManager.default.fileExists(atPath: first.checkpointPath))
        let cp = try #require(try FilterCheckpoint.load(path: first.checkpointPath))
        #expect(cp.nextBatch == 12 && cp.tally.input.documents == 480)
        let dedupFiles = { try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("cp-two.json.dedup-") } }
        #expect(try dedupFiles() == ["cp-two.json.dedup-12"])   // earlier indexes deleted after each checkpoint
        #expect(fileBytes(first.keptPath).count > Int(cp.keptSize))   // bytes past the checkpoint, as a kill leaves them

        var second = try opts("two")
        second.resume = true
        let resumed = try FilterRun(options: second, processor: p).run()
        #expect(resumed == expected)
        #expect(fileBytes(second.keptPath) == fileBytes(one.keptPath))
        #expect(fileBytes(second.removedPath) == fileBytes(one.removedPath))
        #expect(!FileManager.default.fileExists(atPath: second.checkpointPath))
        #expect(try dedupFiles().isEmpty)
        #expect(expected.input.documents == 2000 && expected.removed.documents == 400)
        // "dup text" rows: i % 11 == 0 and i % 5 != 0 → 182 − 37 = 145 rows; the first is kept.
        #expect(expected.duplicatesExact.documents == 144)
    }

    @Test func resumeRefusesACheckpointOfOtherOptions() throws {
        let dir = TempDir(); defer { dir.cleanup() }
        var o = try options(dir, inputs: [dir.write("a.jsonl", jsonl((0..<200).map { "t \($0)" }))])
        o.batchDocuments = 10
        o.checkpointEveryBatches = 2
        o.interruptAfterCheckpoints = 1
        let p = DocumentProcessor(scorer: KeywordScorer(), policy: o.policy)
        #expect(throws: FilterError.interruptedForTesting) { try FilterRun(options: o, processor: p).run() }
        o.interruptAfterCheckpoints = nil
        o.resume = true
        o.policy = FilterPolicy(thresholds: .uniform(0.3))
        #expect(throws: FilterError.self) { try FilterRun(options: o, processor: DocumentProcessor(scorer: KeywordScorer(), policy: o.policy)).run() }
    }

    @Test func oversizedRecordIsReportedWithBoundedMemory() throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let big = "{\"text\": \"" + String(repeating: "a", count: 2_000_000) + "\"}"
        var o = try options(dir, inputs: [dir.write("a.jsonl", jsonl(["before"]) + big + "\n" + jsonl(["after"]))])
        o.maxRecordBytes = 64 * 1024
        let t = try FilterRun(options: o, processor: DocumentProcessor(scorer: KeywordScorer(), policy: o.policy)).run()
        #expect(t.input.documents == 2)
        #expect(t.problemCounts == ["oversized": 1])
        #expect(t.problems.first?.line == 2)
        #expect(t.problems.first?.detail.hasPrefix("record of 2000012 bytes") == true)
    }

    @Test func hundredMegabyteLineIsSkippedInBoundedMemory() throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let path = dir.file("huge.jsonl")
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let fh = try #require(FileHandle(forWritingAtPath: path))
        fh.write(Data(jsonl(["first"]).utf8))
        fh.write(Data("{\"text\": \"".utf8))
        let chunk = Data(repeating: UInt8(ascii: "b"), count: 1 << 20)
        for _ in 0..<100 { fh.write(chunk) }
        fh.write(Data("\"}\n".utf8))
        fh.write(Data(jsonl(["last toxicword"]).utf8))
        try fh.close()
        let o = try options(dir, inputs: [path])   // default limit 16 MiB
        let rss0 = residentMB()
        let t = try FilterRun(options: o, processor: DocumentProcessor(scorer: KeywordScorer(), policy: o.policy)).run()
        #expect(t.input.documents == 2 && t.removed.documents == 1)
        #expect(t.problemCounts == ["oversized": 1] && t.problems.first?.line == 2)
        // The 100 MiB line was never held (holding it would add at least 100 MiB). The bound leaves
        // room for the suites that run beside this one in the same process (session 11 saw > 60).
        #expect(residentMB() - rss0 < 90)
    }
}

func residentMB() -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in s.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return (line.split(separator: " ").compactMap { Double($0) }.first ?? 0) / 1024
    }
    return 0
}

@Suite struct CorruptInputTests {
    @Test func truncatedGzipStopsTheRunNamingTheFile() throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let rows = jsonl((0..<3000).map { "row \($0) with some words to compress \($0 * 7919)" })
        let good = dir.write("good.jsonl.gz", rows)
        let bytes = fileBytes(good)
        let bad = dir.file("bad.jsonl.gz")
        _ = FileManager.default.createFile(atPath: bad, contents: Data(bytes[..<(bytes.count / 2)]))
        let o = try options(dir, inputs: [bad])
        do {
            _ = try FilterRun(options: o, processor: DocumentProcessor(scorer: KeywordScorer(), policy: o.policy)).run()
            Issue.record("expected an error")
        } catch let FilterError.input(path, _, reason) {
            #expect(path == bad)
            #expect(reason.contains("corrupt or truncated gzip"))
        }
    }
}
