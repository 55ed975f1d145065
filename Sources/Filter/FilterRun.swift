import Foundation

/// Settings of one filter run (the `warden filter` options).
public struct FilterOptions: Sendable {
    public var inputs: [CorpusFile]
    public var keptPath: String
    public var removedPath: String
    public var checkpointPath: String
    public var policy: FilterPolicy
    public var textField = "text"
    public var dedup: DedupMode = .off
    /// Write the decision and scores beside each kept document too (removed ones always carry them).
    public var annotate = false
    /// Stop at the first invalid record instead of skipping it.
    public var strict = false
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var maxRecordBytes = 16 << 20
    public var batchBytes = 1 << 20
    public var batchDocuments = 1024
    public var checkpointEveryBatches = 256
    public var resume = false
    /// Test hook: throw `FilterError.interruptedForTesting` after writing one more batch past this
    /// many checkpoints (bytes after a checkpoint, as a kill leaves them).
    public var interruptAfterCheckpoints: Int? = nil

    public init(inputs: [CorpusFile], keptPath: String, removedPath: String, checkpointPath: String, policy: FilterPolicy) {
        self.inputs = inputs
        self.keptPath = keptPath
        self.removedPath = removedPath
        self.checkpointPath = checkpointPath
        self.policy = policy
    }
}

/// Progress of a run, for the progress bar.
public struct FilterProgress: Sendable {
    public var documents: Int
    public var bytes: Int
    /// Compressed (on-disk) bytes read, and the total of the input files: the fraction done.
    public var diskBytesDone: Int64
    public var diskBytesTotal: Int64
    public var elapsed: Double
    public var finished: Bool
}

/// One batch of records of one file, as the reader cut it (deterministically: by bytes, documents
/// and file ends, never by timing), so batch numbers and checkpoints are the same on every run.
struct Batch: Sendable {
    var seq: Int
    var fileIndex: Int
    var records: [RawRecord]
    var end: ReadPosition
    var diskBytesDone: Int64
    var endsFile: Bool
    var fileWasEmpty: Bool
}

struct BatchResult: Sendable {
    var batch: Batch
    var processed: [Processed]
}

/// The streaming filter: one reader thread → N worker threads (parse, score, decide) → the calling
/// thread as the ordered writer (dedup, outputs, tally, checkpoints). Output order is input order,
/// so runs with 1 or N threads, and resumed runs, write byte-identical files.
///
/// ```swift
/// let run = FilterRun(options: opts, processor: DocumentProcessor(scorer: clf, policy: policy))
/// let tally = try run.run { progress in ... }
/// ```
public final class FilterRun: @unchecked Sendable {
    public let options: FilterOptions
    public let processor: DocumentProcessor

    public init(options: FilterOptions, processor: DocumentProcessor) {
        self.options = options
        self.processor = processor
    }

    var identity: RunIdentity {
        RunIdentity(inputs: options.inputs, policy: options.policy, textField: options.textField, dedup: options.dedup,
                    annotate: options.annotate, scorer: processor.scorer.scorerName, batchBytes: options.batchBytes,
                    batchDocuments: options.batchDocuments, checkpointEveryBatches: options.checkpointEveryBatches,
                    maxRecordBytes: options.maxRecordBytes)
    }

    /// Runs to the end (or resumes, with `options.resume`) and returns the tally. Throws on an
    /// unreadable input, an output failure, or (strict) the first invalid record.
    public func run(progress: (FilterProgress) -> Void = { _ in }) throws -> FilterTally {
        var tally = FilterTally()
        var dedup = DedupIndex(mode: options.dedup)
        var start = ReadPosition.start
        var firstBatch = 0
        var keptAt: Int64? = nil, removedAt: Int64? = nil
        var elapsedBefore = 0.0
        if options.resume {
            guard let cp = try FilterCheckpoint.load(path: options.checkpointPath) else {
                throw FilterError.checkpoint(path: options.checkpointPath, reason: "no checkpoint to resume from; run without --resume")
            }
            guard cp.identity == identity else {
                throw FilterError.checkpoint(path: options.checkpointPath,
                                             reason: "it was written by a run with other inputs or options; rerun with the same options, or without --resume to start over")
            }
            tally = cp.tally
            dedup = try cp.loadDedup(path: options.checkpointPath, mode: options.dedup)
            start = cp.position
            firstBatch = cp.nextBatch
            keptAt = cp.keptSize
            removedAt = cp.removedSize
            elapsedBefore = cp.elapsedSeconds
        } else {
            FilterCheckpoint.remove(path: options.checkpointPath)
        }
        let kept = try OutputSink(path: options.keptPath, resumeAt: keptAt)
        let removed = try OutputSink(path: options.removedPath, resumeAt: removedAt)

        let threads = max(1, options.threads)
        let work = BlockingQueue<Batch>(capacity: threads * 2)
        let results = OrderedResults<BatchResult>(first: firstBatch, window: threads * 4)
        let group = DispatchGroup()
        let diskTotal = options.inputs.reduce(Int64(0)) { $0 + $1.size }
        let diskBefore = options.inputs.prefix(start.fileIndex).reduce(Int64(0)) { $0 + $1.size }

        group.enter()
        let reader = Thread { [options, start, firstBatch] in
            defer { work.close(); group.leave() }
            do {
                let count = try Self.read(options: options, from: start, firstBatch: firstBatch, diskBefore: diskBefore,
                                          into: work, results: results)
                results.finish(count: count)
            } catch {
                results.fail(error)
            }
        }
        reader.name = "filter-reader"
        reader.start()
        let processor = self.processor
        for i in 0..<threads {
            group.enter()
            let t = Thread { [options] in
                defer { group.leave() }
                while let b = work.pop() {
                    if results.isCancelled { continue }
                    let path = options.inputs[b.fileIndex].path
                    let format = options.inputs[b.fileIndex].format
                    let out = b.records.map { processor.process($0, format: format, path: path) }
                    results.put(b.seq, BatchResult(batch: b, processed: out))
                }
            }
            t.name = "filter-worker-\(i)"
            t.stackSize = 8 << 20
            t.start()
        }

        let clock = ContinuousClock()
        let t0 = clock.now
        func elapsed() -> Double {
            let d = clock.now - t0
            return elapsedBefore + Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        var lastProgress = -1.0
        var checkpoints = 0
        var interruptArmed = false
        do {
            while let r = try results.next() {
                let path = options.inputs[r.batch.fileIndex].path
                for p in r.processed {
                    switch p {
                    case .problem(let problem):
                        if options.strict {
                            throw FilterError.input(path: problem.path, line: problem.line,
                                                    reason: "\(problem.kind.rawValue): \(problem.detail) (--strict stops here; without it the record is skipped and listed)")
                        }
                        tally.record(problem)
                    case .document(let d):
                        try write(d, tally: &tally, dedup: &dedup, kept: kept, removed: removed, path: path)
                    }
                }
                if r.batch.endsFile {
                    tally.filesRead += 1
                    if r.batch.fileWasEmpty { tally.emptyFiles.append(path) }
                }
                if interruptArmed { throw FilterError.interruptedForTesting }
                if (r.batch.seq + 1) % options.checkpointEveryBatches == 0 {
                    let cp = FilterCheckpoint(identity: identity, nextBatch: r.batch.seq + 1, position: r.batch.end,
                                              keptSize: try kept.checkpoint(), removedSize: try removed.checkpoint(),
                                              tally: tally, elapsedSeconds: elapsed())
                    try cp.save(path: options.checkpointPath, dedup: options.dedup == .off ? nil : dedup)
                    checkpoints += 1
                    if let k = options.interruptAfterCheckpoints, checkpoints >= k { interruptArmed = true }
                }
                let now = elapsed()
                if now - lastProgress >= 0.25 {
                    lastProgress = now
                    progress(FilterProgress(documents: tally.input.documents + tally.problemTotal, bytes: tally.input.bytes,
                                            diskBytesDone: r.batch.diskBytesDone, diskBytesTotal: diskTotal,
                                            elapsed: now, finished: false))
                }
            }
        } catch {
            results.cancel()
            work.close()
            group.wait()
            try? kept.close()
            try? removed.close()
            throw error
        }
        group.wait()
        try kept.close()
        try removed.close()
        FilterCheckpoint.remove(path: options.checkpointPath)
        progress(FilterProgress(documents: tally.input.documents + tally.problemTotal, bytes: tally.input.bytes,
                                diskBytesDone: diskTotal, diskBytesTotal: diskTotal, elapsed: elapsed(), finished: true))
        return tally
    }

    /// The writer's work for one document: dedup, output line, tally.
    func write(_ d: DocumentOutcome, tally: inout FilterTally, dedup: inout DedupIndex,
               kept: OutputSink, removed: OutputSink, path: String) throws {
        var verdict = DuplicateVerdict.unique
        if d.fate != .removed, let keys = d.dedup { verdict = dedup.check(keys) }
        tally.record(d, verdict: verdict, path: path)
        if d.fate != .removed && verdict == .unique {
            if options.annotate {
                try kept.writeLine(JSONText.splice(d.body, member: JSONText.annotation(
                    decision: d.fate.rawValue, categories: d.categories, scores: d.scores, maskedSpans: d.maskedSpans)))
            } else {
                try kept.writeLine(d.body)
            }
        } else {
            let decision = d.fate == .removed ? "removed" : "duplicate-\(verdict.rawValue)"
            try removed.writeLine(JSONText.splice(d.body, member: JSONText.annotation(
                decision: decision, categories: d.fate == .removed ? d.categories : [], scores: d.scores,
                maskedSpans: d.maskedSpans)))
        }
    }

    /// The reader thread: cuts batches from `start` on; returns the number of the batch after the last.
    static func read(options: FilterOptions, from start: ReadPosition, firstBatch: Int, diskBefore: Int64,
                     into work: BlockingQueue<Batch>, results: OrderedResults<BatchResult>) throws -> Int {
        var seq = firstBatch
        var diskDone = diskBefore
        for fileIndex in start.fileIndex..<options.inputs.count {
            let file = options.inputs[fileIndex]
            let reader = try RecordReader(file: file, fileIndex: fileIndex, maxRecordBytes: options.maxRecordBytes,
                                          at: fileIndex == start.fileIndex && start.offset > 0 ? start : nil)
            var records: [RawRecord] = []
            var bytes = 0
            var sawAny = fileIndex == start.fileIndex && start.offset > 0
            func ship(endsFile: Bool) -> Bool {
                guard results.waitForRoom(seq) else { return false }
                let end = endsFile ? ReadPosition(fileIndex: fileIndex + 1, offset: 0, line: 0) : reader.position
                let disk = endsFile ? diskDone + file.size : diskDone + reader.compressedOffset
                let b = Batch(seq: seq, fileIndex: fileIndex, records: records, end: end, diskBytesDone: disk,
                              endsFile: endsFile, fileWasEmpty: endsFile && !sawAny)
                seq += 1
                records = []
                bytes = 0
                return work.push(b)
            }
            while let r = try reader.next() {
                sawAny = true
                bytes += r.bytes.count
                records.append(r)
                if bytes >= options.batchBytes || records.count >= options.batchDocuments {
                    guard ship(endsFile: false) else { return seq }
                }
            }
            guard ship(endsFile: true) else { return seq }
            diskDone += file.size
        }
        return seq
    }
}
