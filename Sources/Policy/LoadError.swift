import Yams

/// A problem in a policy document, located by line and key path.
/// Printed as `policy.yaml:12: defaults.rules.hate.input.block_at: 1.5 is outside [0, 1]`.
public struct PolicyLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Issue: Sendable, Equatable, CustomStringConvertible {
        /// 1-based line in the document, nil if unknown.
        public var line: Int?
        /// Key path (`defaults.rules.hate.input.block_at`), empty for the whole document.
        public var path: String
        public var message: String
        public var source: String

        public var description: String {
            let at = line.map { "\(source):\($0)" } ?? source
            return path.isEmpty ? "\(at): \(message)" : "\(at): \(path): \(message)"
        }
    }

    public var issues: [Issue]

    public init(_ issues: [Issue]) { self.issues = issues }
    init(source: String, line: Int?, path: String, message: String) {
        self.issues = [Issue(line: line, path: path, message: message, source: source)]
    }

    public var description: String { issues.map(\.description).joined(separator: "\n") }

    /// Maps a Yams syntax error to a located issue.
    static func syntax(_ error: any Error, source: String) -> PolicyLoadError {
        guard let yaml = error as? YamlError else {
            return .init(source: source, line: nil, path: "", message: "invalid YAML/JSON: \(error)")
        }
        switch yaml {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return .init(source: source, line: mark.line, path: "", message: "invalid YAML/JSON: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .init(source: source, line: context.mark.line, path: "",
                         message: "duplicate key '\(duplicates.joined(separator: "', '"))'")
        case .reader(let problem, _, _, _):
            return .init(source: source, line: nil, path: "", message: "unreadable text: \(problem) (the file must be UTF-8)")
        default:
            return .init(source: source, line: nil, path: "", message: "invalid YAML/JSON: \(yaml)")
        }
    }
}
