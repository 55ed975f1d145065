/// What can stop a filter run; every case names the file (and line or key) and says what to do.
public enum FilterError: Error, CustomStringConvertible, Sendable, Equatable {
    /// An input file cannot be read, or (with `--strict`) a record is invalid.
    case input(path: String, line: Int?, reason: String)
    /// The thresholds file or option is wrong.
    case thresholds(path: String, key: String?, reason: String)
    /// An output cannot be written.
    case output(path: String, reason: String)
    /// The checkpoint cannot be used to resume.
    case checkpoint(path: String, reason: String)
    /// A test hook stopped the run right after a checkpoint, as a kill would.
    case interruptedForTesting

    public var description: String {
        switch self {
        case .input(let path, let line, let reason):
            return line.map { "\(path):\($0): \(reason)" } ?? "\(path): \(reason)"
        case .thresholds(let path, let key, let reason):
            return key.map { "\(path): key \"\($0)\": \(reason)" } ?? "\(path): \(reason)"
        case .output(let path, let reason): return "\(path): \(reason)"
        case .checkpoint(let path, let reason): return "checkpoint \(path): \(reason)"
        case .interruptedForTesting: return "interrupted after a checkpoint (test hook)"
        }
    }
}
