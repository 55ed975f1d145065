import ArgumentParser
import Classifier
import Filter
import Foundation

/// `warden-bench filter`: throughput of `warden filter` (document level) on a generated corpus of
/// 2–10 KB documents with 1 and N threads, and peak memory over a large generated corpus.
struct FilterBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "filter", abstract: "Filter throughput (1 vs N threads) and memory over a large corpus.")
    @Option var model: String = "Models/warden-fast.bin"
    @Option(help: "Size of the throughput corpus in MB.") var mb: Int = 200
    @Option(help: "Size of the memory corpus in MB (0: skip).") var bigMb: Int = 2000
    @Option var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option var dir: String = "/tmp"

    static func status(_ key: String) -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
        for line in s.split(separator: "\n") where line.hasPrefix(key) {
            return (line.split(separator: " ").compactMap { Double($0) }.first ?? .nan) / 1024
        }
        return .nan
    }

    /// Writes `megabytes` of JSONL documents of 2–10 KB (a word mix with ~4% toxic documents), streaming.
    static func generate(path: String, megabytes: Int, seed: UInt64) throws -> Int {
        var rng = SplitMixRNG(seed: seed)
        let benign = ("the a of to and in is it you that he was for on are with as I his they be at one have this from or had by " +
            "word but what some we can out other were all there when up use your how said an each she which do their time " +
            "if will way about many then them write would like so these her long make thing see him two has look more day could " +
            "go come did number sound no most people my over know water than call first who may down side been now find " +
            "garden recipe travel school family friend happy beautiful music river mountain city history science code python").split(separator: " ").map { Array($0.utf8) }
        let toxic = "kill hate stupid idiot die attack gun knife blood worthless trash disgusting".split(separator: " ").map { Array($0.utf8) }
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let fh = FileHandle(forWritingAtPath: path) else { throw ValidationError("cannot write \(path)") }
        defer { try? fh.close() }
        var written = 0, docs = 0
        var buf: [UInt8] = []
        let target = megabytes * 1_000_000
        while written < target {
            let size = 2000 + Int(rng.next() % 8001)
            let isToxic = rng.next() % 25 == 0
            buf.append(contentsOf: Array(#"{"id":"#.utf8) + Array(String(docs).utf8) + Array(#","text":""#.utf8))
            var n = 0
            while n < size {
                let w = isToxic && rng.next() % 6 == 0 ? toxic[Int(rng.next() % UInt64(toxic.count))] : benign[Int(rng.next() % UInt64(benign.count))]
                buf.append(contentsOf: w)
                let sep: [UInt8] = rng.next() % 14 == 0 ? [0x2E, 0x20] : [0x20]
                buf.append(contentsOf: sep)
                n += w.count + sep.count
            }
            buf.append(contentsOf: Array("\"}\n".utf8))
            docs += 1
            if buf.count >= 1 << 22 { written += buf.count; fh.write(Data(buf)); buf.removeAll(keepingCapacity: true) }
        }
        written += buf.count
        fh.write(Data(buf))
        return docs
    }

    /// User + system CPU seconds of the process so far.
    static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6
    }

    /// Wall-clock MB/s, MB per CPU-second, and the tally.
    func filter(_ input: String, threads: Int, clf: ContentClassifier, work: String) throws -> (Double, Double, FilterTally) {
        let files = try CorpusFiles.expand([input]).files
        var o = FilterOptions(inputs: files, keptPath: work + "/kept.jsonl.gz", removedPath: work + "/removed.jsonl.gz",
                              checkpointPath: work + "/cp.json", policy: FilterPolicy(thresholds: FilterThresholds(clf.thresholds)))
        o.threads = threads
        let p = DocumentProcessor(scorer: clf, policy: o.policy)
        let clock = ContinuousClock()
        let t0 = clock.now
        let cpu0 = Self.cpuSeconds()
        let tally = try FilterRun(options: o, processor: p).run()
        let cpu = Self.cpuSeconds() - cpu0
        let d = clock.now - t0
        let secs = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        let mb = Double(tally.input.bytes) / 1e6
        return (mb / secs, mb / cpu, tally)
    }

    static func loadAverage() -> String {
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
    }

    func run() throws {
        let clf = try ContentClassifier.load(contentsOf: URL(fileURLWithPath: model))
        let work = (dir as NSString).appendingPathComponent("warden-bench-filter-\(getpid())")
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let corpus = work + "/corpus.jsonl"
        let docs = try Self.generate(path: corpus, megabytes: mb, seed: 11)
        print("corpus: \(mb) MB, \(docs) documents of 2–10 KB (JSONL), model \(clf.modelName), document level, gzip outputs")
        print(String(format: "machine load average before: %@", Self.loadAverage()))
        let (one, cpuOne, t1) = try filter(corpus, threads: 1, clf: clf, work: work)
        print(String(format: "1 thread:  %.1f MB/s wall clock, %.1f MB per CPU-second (%d documents, %d removed)", one, cpuOne, t1.input.documents, t1.removed.documents))
        let (many, cpuMany, _) = try filter(corpus, threads: threads, clf: clf, work: work)
        print(String(format: "%d threads: %.1f MB/s wall clock, %.1f MB per CPU-second; wall-clock ratio %.2f×", threads, many, cpuMany, many / one))
        print(String(format: "peak RSS so far: %.0f MB", Self.status("VmHWM:")))
        try? FileManager.default.removeItem(atPath: corpus)
        guard bigMb > 0 else { return }
        let big = work + "/big.jsonl"
        let bigDocs = try Self.generate(path: big, megabytes: bigMb, seed: 12)
        let rssBefore = Self.status("VmRSS:")
        let (rate, _, tb) = try filter(big, threads: threads, clf: clf, work: work)
        print(String(format: "memory corpus: %d MB, %d documents: %.1f MB/s with %d threads, %d removed", bigMb, bigDocs, rate, threads, tb.removed.documents))
        print(String(format: "machine load average after: %@", Self.loadAverage()))
        print(String(format: "peak RSS of the process: %.0f MB (RSS before the run %.0f MB, after %.0f MB)",
                     Self.status("VmHWM:"), rssBefore, Self.status("VmRSS:")))
    }
}
