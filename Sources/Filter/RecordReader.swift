import CZlib
import Foundation

/// Where a reader is in a corpus: the file, the uncompressed byte offset of the next unread byte,
/// and the number of lines consumed. A checkpoint stores one, and a resumed run starts from it.
public struct ReadPosition: Codable, Sendable, Equatable {
    public var fileIndex: Int
    public var offset: Int64
    public var line: Int

    public init(fileIndex: Int, offset: Int64, line: Int) {
        self.fileIndex = fileIndex
        self.offset = offset
        self.line = line
    }

    public static let start = ReadPosition(fileIndex: 0, offset: 0, line: 0)
}

/// One unit read from a corpus file, before parsing: a line (JSONL, lines) or a paragraph.
public struct RawRecord: Sendable {
    public var fileIndex: Int
    /// 1-based number of the record's first line in its file.
    public var line: Int
    /// The bytes (no line terminators at the ends); empty when `oversizedBytes` is set.
    public var bytes: [UInt8]
    /// Set when the record was longer than the limit: its length, and the bytes were discarded.
    public var oversizedBytes: Int?
}

/// Reads a gzip or plain file (zlib reads both) as lines, in memory bounded by `maxLineBytes`:
/// a longer line is skipped while reading (its bytes are counted, never held) and reported.
/// Tracks the uncompressed offset of every line so a run can resume at a line boundary.
///
/// ```swift
/// let r = try BoundedLineReader(path: "corpus.jsonl.gz", maxLineBytes: 1 << 20)
/// while let line = try r.next() { ... line.bytes, line.number, line.oversizedBytes ... }
/// ```
public final class BoundedLineReader {
    public struct Line {
        public var bytes: [UInt8]
        public var number: Int
        public var oversizedBytes: Int?
    }

    private let file: gzFile
    public let path: String
    public let maxLineBytes: Int
    private var buffer = [UInt8](repeating: 0, count: 1 << 17)
    private var bufStart = 0
    private var bufEnd = 0
    private var eof = false
    /// Uncompressed offset of the next byte not yet handed out.
    public private(set) var offset: Int64 = 0
    public private(set) var lineNumber = 0

    /// Opens `path` at `offset` (a line boundary from an earlier run), counting `line` lines before it.
    public init(path: String, maxLineBytes: Int, offset: Int64 = 0, line: Int = 0) throws {
        self.path = path
        self.maxLineBytes = maxLineBytes
        guard let f = gzopen(path, "rb") else {
            throw FilterError.input(path: path, line: nil, reason: "cannot open the file (permissions?)")
        }
        self.file = f
        gzbuffer(f, 1 << 17)
        if offset > 0 {
            guard gzseek(f, off_t(offset), SEEK_SET) == off_t(offset) else {
                throw FilterError.input(path: path, line: nil,
                                        reason: "cannot seek to byte \(offset) to resume; was the file changed since the checkpoint?")
            }
            self.offset = offset
            self.lineNumber = line
        }
    }

    deinit { gzclose(file) }

    /// Compressed bytes consumed so far (for progress on gzip files; equals `offset` for plain files).
    public var compressedOffset: Int64 { Int64(gzoffset(file)) }

    /// The next line without its terminator (and trailing CR), or nil at the end of the file.
    public func next() throws -> Line? {
        var pending: [UInt8] = []
        var length = 0
        var over = false
        while true {
            if bufStart < bufEnd {
                let nl = buffer.withUnsafeBufferPointer { b -> Int? in
                    guard let p = memchr(b.baseAddress! + bufStart, 0x0A, bufEnd - bufStart) else { return nil }
                    return b.baseAddress!.distance(to: p.assumingMemoryBound(to: UInt8.self))
                }
                let end = nl ?? bufEnd
                let chunk = end - bufStart
                length += chunk
                if !over && length > maxLineBytes { over = true; pending = [] }
                if !over { pending.append(contentsOf: buffer[bufStart..<end]) }
                offset += Int64(chunk)
                bufStart = end
                if nl != nil {
                    bufStart += 1
                    offset += 1
                    return finish(&pending, length: length, over: over)
                }
            }
            if eof {
                if length == 0 { return nil }
                return finish(&pending, length: length, over: over)
            }
            let n = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if n < 0 {
                var errnum: Int32 = 0
                let msg = gzerror(file, &errnum).map { String(cString: $0) } ?? "read error"
                throw FilterError.input(path: path, line: lineNumber + 1, reason: "read failed: \(msg) (corrupt or truncated gzip?)")
            }
            if n == 0 {
                // zlib reports a gzip stream cut short only through gzerror, after the data it could read.
                var errnum: Int32 = 0
                _ = gzerror(file, &errnum)
                if errnum == Z_BUF_ERROR {
                    throw FilterError.input(path: path, line: lineNumber + 1,
                                            reason: "the gzip stream ends early (corrupt or truncated gzip?); the records before this line were read")
                }
                eof = true
            }
            bufStart = 0
            bufEnd = Int(n)
        }
    }

    private func finish(_ pending: inout [UInt8], length: Int, over: Bool) -> Line {
        lineNumber += 1
        if over { return Line(bytes: [], number: lineNumber, oversizedBytes: length) }
        if pending.last == 0x0D { pending.removeLast() }
        return Line(bytes: pending, number: lineNumber, oversizedBytes: nil)
    }
}

/// Reads the records of one corpus file: lines for JSONL and `lines`, blank-line separated
/// paragraphs for `paragraphs` (lines joined with "\n"). Blank lines are not records.
public final class RecordReader {
    let lines: BoundedLineReader
    let format: CorpusFormat
    let fileIndex: Int
    let maxRecordBytes: Int

    public init(file: CorpusFile, fileIndex: Int, maxRecordBytes: Int, at position: ReadPosition? = nil) throws {
        self.lines = try BoundedLineReader(path: file.path, maxLineBytes: maxRecordBytes,
                                           offset: position?.offset ?? 0, line: position?.line ?? 0)
        self.format = file.format
        self.fileIndex = fileIndex
        self.maxRecordBytes = maxRecordBytes
    }

    /// The position after the last record returned.
    public var position: ReadPosition { ReadPosition(fileIndex: fileIndex, offset: lines.offset, line: lines.lineNumber) }
    public var compressedOffset: Int64 { lines.compressedOffset }

    static func isBlank(_ b: [UInt8]) -> Bool { b.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }

    public func next() throws -> RawRecord? {
        if format != .paragraphs {
            while let l = try lines.next() {
                if l.oversizedBytes == nil && Self.isBlank(l.bytes) { continue }
                return RawRecord(fileIndex: fileIndex, line: l.number, bytes: l.bytes, oversizedBytes: l.oversizedBytes)
            }
            return nil
        }
        var para: [UInt8] = []
        var first = 0
        var total = 0
        var over = false
        while let l = try lines.next() {
            let blank = l.oversizedBytes == nil && Self.isBlank(l.bytes)
            if blank {
                if first == 0 { continue }
                break
            }
            if first == 0 { first = l.number }
            let add = (l.oversizedBytes ?? l.bytes.count) + (total > 0 ? 1 : 0)
            total += add
            if l.oversizedBytes != nil || total > maxRecordBytes { over = true; para = [] }
            if !over {
                if !para.isEmpty { para.append(0x0A) }
                para.append(contentsOf: l.bytes)
            }
        }
        if first == 0 { return nil }
        return RawRecord(fileIndex: fileIndex, line: first, bytes: over ? [] : para, oversizedBytes: over ? total : nil)
    }
}
