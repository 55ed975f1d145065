import CZlib
import Foundation

/// An output file of documents, gzip-compressed (level 1: fast, so the single writer thread keeps up
/// with all the workers) when its name ends in `.gz`. Every checkpoint ends
/// the current gzip member and starts a new one, so the bytes on disk at a checkpoint are a complete
/// file; a resumed run truncates to that size and appends, and its file is byte-identical to one of
/// an uninterrupted run (multi-member gzip is standard: `gzip -d`, `zcat`, Python's `gzip` read it).
///
/// ```swift
/// let sink = try OutputSink(path: "kept.jsonl.gz", resumeAt: nil)
/// try sink.writeLine(bytes); let size = try sink.checkpoint(); try sink.close()
/// ```
public final class OutputSink {
    public let path: String
    let compressed: Bool
    private var file: gzFile?
    private var buffer: [UInt8] = []

    /// Creates (or truncates) `path`; with `resumeAt`, keeps its first `resumeAt` bytes and appends.
    public init(path: String, resumeAt: Int64?) throws {
        self.path = path
        self.compressed = path.hasSuffix(".gz")
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        if let size = resumeAt {
            guard let fh = FileHandle(forWritingAtPath: path) else {
                throw FilterError.checkpoint(path: path, reason: "the output file is missing; it cannot be resumed (run again without --resume)")
            }
            let actual = try fh.seekToEnd()
            guard actual >= UInt64(size) else {
                throw FilterError.checkpoint(path: path, reason: "the output has \(actual) bytes, fewer than the \(size) the checkpoint recorded; run again without --resume")
            }
            try fh.truncate(atOffset: UInt64(size))
            try fh.close()
        } else {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw FilterError.output(path: path, reason: "cannot create the file (directory missing or not writable?)")
            }
        }
        try open()
    }

    deinit { if let file { gzclose(file) } }

    private func open() throws {
        guard let f = gzopen(path, compressed ? "ab1" : "abT") else {
            throw FilterError.output(path: path, reason: "cannot open for writing")
        }
        gzbuffer(f, 1 << 17)
        file = f
    }

    public func writeLine(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        buffer.append(0x0A)
        if buffer.count >= 1 << 16 { try flushBuffer() }
    }

    private func flushBuffer() throws {
        guard !buffer.isEmpty, let file else { return }
        let n = buffer.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        guard n == Int32(buffer.count) else {
            throw FilterError.output(path: path, reason: "write failed (disk full?)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Ends the gzip member, syncs the file, reopens for appending; returns the file's size.
    public func checkpoint() throws -> Int64 {
        try close()
        let size = try durableSize()
        try open()
        return size
    }

    public func close() throws {
        try flushBuffer()
        if let f = file {
            file = nil
            guard gzclose(f) == Z_OK else { throw FilterError.output(path: path, reason: "close failed (disk full?)") }
        }
    }

    private func durableSize() throws -> Int64 {
        guard let fh = FileHandle(forUpdatingAtPath: path) else { throw FilterError.output(path: path, reason: "cannot reopen") }
        defer { try? fh.close() }
        try fh.synchronize()
        return Int64(try fh.seekToEnd())
    }
}
