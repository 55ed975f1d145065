import Foundation
import Testing
@testable import Filter

@Suite struct ReaderTests {
    @Test func linesWithCRLFAndOffsets() throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let p = dir.write("a.txt", "one\r\ntwo\n\nthree")
        let r = try BoundedLineReader(path: p, maxLineBytes: 100)
        var got: [(String, Int, Int64)] = []
        while let l = try r.next() { got.append((String(decoding: l.bytes, as: UTF8.self), l.number, r.offset)) }
        #expect(got.map(\.0) == ["one", "two", "", "three"])
        #expect(got.map(\.1) == [1, 2, 3, 4])
        #expect(got.map(\.2) == [5, 9, 10, 15])
    }

    @Test func oversizedLineIsSkippedAndMeasured() throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let big = String(repeating: "x", count: 300_000)
        let p = dir.write("a.txt", "short\n\(big)\nafter\n")
        let r = try BoundedLineReader(path: p, maxLineBytes: 4096)
        let a = try r.next()!, b = try r.next()!, c = try r.next()!
        #expect(a.bytes == Array("short".utf8))
        #expect(b.bytes.isEmpty && b.oversizedBytes == 300_000 && b.number == 2)
        #expect(c.bytes == Array("after".utf8) && c.number == 3)
        #expect(try r.next() == nil)
    }

    @Test func resumesAtAnOffsetInAGzipFile() throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let p = dir.write("a.txt.gz", "l1\nl2\nl3\nl4\n")
        let r = try BoundedLineReader(path: p, maxLineBytes: 100)
        _ = try r.next(); _ = try r.next()
        let r2 = try BoundedLineReader(path: p, maxLineBytes: 100, offset: r.offset, line: r.lineNumber)
        let l = try r2.next()!
        #expect(l.bytes == Array("l3".utf8) && l.number == 3)
    }

    @Test func paragraphsJoinLinesAndSkipBlankRuns() throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let p = dir.write("a.txt", "\n\nfirst line\nsecond line\n\n\n  \nthird\n")
        let rr = try RecordReader(file: CorpusFile(path: p, format: .paragraphs, size: 0), fileIndex: 0, maxRecordBytes: 1000)
        let a = try rr.next()!, b = try rr.next()!
        #expect(String(decoding: a.bytes, as: UTF8.self) == "first line\nsecond line" && a.line == 3)
        #expect(String(decoding: b.bytes, as: UTF8.self) == "third" && b.line == 8)
        #expect(try rr.next() == nil)
    }

    @Test func directoriesExpandSortedWithFormatsAndSkips() throws {
        let dir = TempDir(); defer { dir.cleanup() }
        try FileManager.default.createDirectory(atPath: dir.file("sub"), withIntermediateDirectories: true)
        dir.write("b.jsonl", Array("{}\n".utf8))
        dir.write("sub/a.txt.gz", Array("x\n".utf8))
        dir.write("notes.md", Array("x\n".utf8))
        dir.write(".hidden.jsonl", Array("x\n".utf8))
        let (files, skipped) = try CorpusFiles.expand([dir.path], textUnit: .paragraphs)
        #expect(files.map { ($0.path as NSString).lastPathComponent } == ["b.jsonl", "notes.md", "a.txt.gz"].filter { $0 != "notes.md" })
        #expect(files.map(\.format) == [.jsonl, .paragraphs])
        #expect(skipped.map { ($0 as NSString).lastPathComponent } == ["notes.md"])
        #expect(throws: CorpusPathError.self) { try CorpusFiles.expand([dir.file("missing")]) }
    }
}

extension BoundedLineReader.Line: Equatable {
    public static func == (a: Self, b: Self) -> Bool { a.bytes == b.bytes && a.number == b.number && a.oversizedBytes == b.oversizedBytes }
}
extension RawRecord: Equatable {
    public static func == (a: Self, b: Self) -> Bool { a.bytes == b.bytes && a.line == b.line }
}
