import Foundation

/// What a checkpoint must match to be resumed: the same inputs, decisions and batching.
public struct RunIdentity: Codable, Sendable, Equatable {
    public var inputs: [CorpusFile]
    public var policy: FilterPolicy
    public var textField: String
    public var dedup: DedupMode
    public var annotate: Bool
    public var scorer: String
    public var batchBytes: Int
    public var batchDocuments: Int
    public var checkpointEveryBatches: Int
    public var maxRecordBytes: Int
}

/// The state saved after every `checkpointEveryBatches` batches: where to read next, how long the
/// outputs were, and the tally. Written atomically (temporary file, then rename). The dedup index
/// goes beside it in `<path>.dedup-<nextBatch>`, written before the checkpoint that names it, and
/// the previous one is deleted after: a kill at any moment leaves a consistent pair.
///
/// ```swift
/// try FilterCheckpoint.load(path: "report/filter.checkpoint.json")?.position
/// ```
public struct FilterCheckpoint: Codable, Sendable {
    public var version = 1
    public var identity: RunIdentity
    public var nextBatch: Int
    public var position: ReadPosition
    public var keptSize: Int64
    public var removedSize: Int64
    public var tally: FilterTally
    public var elapsedSeconds: Double

    public static func load(path: String) throws -> FilterCheckpoint? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(FilterCheckpoint.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw FilterError.checkpoint(path: path, reason: "cannot be read (\(error)); delete it and run again without --resume")
        }
    }

    public func save(path: String, dedup: DedupIndex?) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        do {
            let previous = try? Self.load(path: path)
            if let dedup { try dedup.serialized().write(to: URL(fileURLWithPath: Self.dedupPath(path, nextBatch)), options: .atomic) }
            try enc.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
            if let previous, previous.nextBatch != nextBatch {
                try? FileManager.default.removeItem(atPath: Self.dedupPath(path, previous.nextBatch))
            }
        } catch {
            throw FilterError.output(path: path, reason: "cannot write the checkpoint: \(error.localizedDescription)")
        }
    }

    static func dedupPath(_ path: String, _ batch: Int) -> String { path + ".dedup-\(batch)" }

    public func loadDedup(path: String, mode: DedupMode) throws -> DedupIndex {
        guard mode != .off else { return DedupIndex(mode: mode) }
        let file = Self.dedupPath(path, nextBatch)
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: file)),
              let index = DedupIndex.deserialize(data, mode: mode) else {
            throw FilterError.checkpoint(path: file, reason: "the dedup index is missing or corrupt; run again without --resume")
        }
        return index
    }

    /// Deletes the checkpoint and every dedup index beside it.
    public static func remove(path: String) {
        try? FileManager.default.removeItem(atPath: path)
        let dir = (path as NSString).deletingLastPathComponent
        let prefix = (path as NSString).lastPathComponent + ".dedup-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.isEmpty ? "." : dir)) ?? []
        for name in names where name.hasPrefix(prefix) {
            try? FileManager.default.removeItem(atPath: (dir as NSString).appendingPathComponent(name))
        }
    }
}
