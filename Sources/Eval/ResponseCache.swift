import Foundation

/// An append-only, on-disk cache of completions keyed by `CompletionRequest.cacheKey`: one JSON
/// line per answer, written and flushed as each answer arrives. A run killed at any moment loses
/// at most the line being written; the next run with the same cache file skips every request
/// already answered (a truncated last line is ignored and its request sent again).
///
/// ```swift
/// let cache = try ResponseCache(path: "out/cache.jsonl")
/// if let hit = cache.lookup(request.cacheKey) { ... } else { cache.store(key, result) }
/// ```
public final class ResponseCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: CompletionResult]
    private let handle: FileHandle
    public let path: String
    /// Lines that could not be read when loading (a truncated line after a kill).
    public let skippedLines: Int

    struct Line: Codable {
        var key: String
        var result: CompletionResult
    }

    public init(path: String) throws {
        self.path = path
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            guard fm.createFile(atPath: path, contents: nil) else {
                throw GateError("cannot create the cache file \(path); check the --out directory is writable")
            }
        }
        let data = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
        let (entries, skipped) = Self.parse(data)
        self.entries = entries
        self.skippedLines = skipped
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw GateError("cannot open the cache file \(path) for writing")
        }
        handle.seekToEndOfFile()
        // A kill may have left a partial line: start ours on a fresh line.
        if let last = data.last, last != UInt8(ascii: "\n") { handle.write(Data("\n".utf8)) }
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// Parses cache lines; unreadable lines are counted, not fatal.
    static func parse(_ data: Data) -> ([String: CompletionResult], Int) {
        var entries: [String: CompletionResult] = [:]
        var skipped = 0
        let decoder = JSONDecoder()
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            if let l = try? decoder.decode(Line.self, from: Data(line)) { entries[l.key] = l.result } else { skipped += 1 }
        }
        return (entries, skipped)
    }

    public var count: Int { lock.withLock { entries.count } }

    public func lookup(_ key: String) -> CompletionResult? { lock.withLock { entries[key] } }

    public func store(_ key: String, _ result: CompletionResult) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var data = try? encoder.encode(Line(key: key, result: result)) else { return }
        data.append(UInt8(ascii: "\n"))
        lock.withLock {
            entries[key] = result
            handle.write(data)   // one write per line: appended whole or, if killed mid-write, truncated
        }
    }
}
