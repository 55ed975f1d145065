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
/// outputs were, and the tally. Written atomically (temporary file, then rename); the dedup index
/// goes beside it in `<path>.dedup`.
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
            if let dedup { try dedup.serialized().write(to: URL(fileURLWithPath: path + ".dedup"), options: .atomic) }
            try enc.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw FilterError.output(path: path, reason: "cannot write the checkpoint: \(error.localizedDescription)")
        }
    }

    public static func loadDedup(path: String, mode: DedupMode) throws -> DedupIndex {
        guard mode != .off else { return DedupIndex(mode: mode) }
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path + ".dedup")),
              let index = DedupIndex.deserialize(data, mode: mode) else {
            throw FilterError.checkpoint(path: path + ".dedup", reason: "the dedup index is missing or corrupt; run again without --resume")
        }
        return index
    }

    public static func remove(path: String) {
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: path + ".dedup")
    }
}
