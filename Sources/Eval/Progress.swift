import Foundation

/// Formats a progress line with rate and ETA. Pure.
///
/// ```swift
/// ProgressLine.format(done: 30, total: 120, cached: 10, elapsed: 10)
/// // "[#######.....................]  30/120  25%  (10 cached)  2.0 req/s  ETA 0:45"
/// ```
public enum ProgressLine {
    public static func format(done: Int, total: Int, cached: Int, elapsed: Double, width: Int = 28) -> String {
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let sent = done - cached
        let rate = elapsed > 0 ? Double(sent) / elapsed : 0
        let eta: String
        if done >= total { eta = "done in \(clock(elapsed))" }
        else if rate > 0 { eta = "ETA \(clock(Double(total - done) / rate))" }
        else { eta = "ETA --:--" }
        let pct = Int((fraction * 100).rounded(.down))
        return "[\(bar)] \(String(repeating: " ", count: max(0, String(total).count - String(done).count)))\(done)/\(total) \(pct)%  (\(cached) cached)  \(String(format: "%.1f", rate)) req/s  \(eta)"
    }

    public static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// Writes the progress line to standard error: redrawn in place on a terminal, otherwise one
/// line every 10 % (so CI logs stay short).
public final class ProgressReporter: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private let start = Date()
    private var done = 0
    private var cached = 0
    private var lastDecile = -1
    private let interactive: Bool
    private let enabled: Bool

    public init(total: Int, enabled: Bool = true) {
        self.total = total
        self.enabled = enabled
        self.interactive = isatty(2) != 0
    }

    public func advance(cached hit: Bool) {
        lock.withLock {
            done += 1
            if hit { cached += 1 }
            guard enabled else { return }
            let line = ProgressLine.format(done: done, total: total, cached: cached, elapsed: Date().timeIntervalSince(start))
            if interactive {
                FileHandle.standardError.write(Data("\r\(line)\(done == total ? "\n" : "")".utf8))
            } else {
                let decile = total == 0 ? 10 : done * 10 / total
                if decile != lastDecile {
                    lastDecile = decile
                    FileHandle.standardError.write(Data("\(line)\n".utf8))
                }
            }
        }
    }
}
