import Foundation

/// How the documents of a corpus file are laid out.
public enum CorpusFormat: String, Codable, Sendable, CaseIterable {
    /// One JSON object per line; the text is in a configurable field.
    case jsonl
    /// Plain text, one document per line.
    case lines
    /// Plain text, one document per blank-line separated paragraph.
    case paragraphs
}

/// One input file of a corpus, in the order the filter reads it.
public struct CorpusFile: Codable, Sendable, Equatable {
    public var path: String
    public var format: CorpusFormat
    /// Size on disk (compressed size for gzip files); used for the progress bar only.
    public var size: Int64

    public init(path: String, format: CorpusFormat, size: Int64) {
        self.path = path
        self.format = format
        self.size = size
    }
}

/// A problem with the command line's input paths.
public struct CorpusPathError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Expands the `--in` paths into corpus files: directories are walked recursively (sorted, hidden
/// files skipped), and each file's format comes from its name.
///
/// ```swift
/// let files = try CorpusFiles.expand(["data/", "extra.txt.gz"], textUnit: .paragraphs)
/// // data/a.jsonl.gz → .jsonl, data/b.txt → .paragraphs, extra.txt.gz → .paragraphs
/// ```
/// Names ending in `.jsonl`, `.ndjson`, `.json` (optionally `.gz`) are JSONL; `.txt`, `.text`
/// (optionally `.gz`) are plain text read by `textUnit`. In a directory, other files are skipped and
/// listed in `skipped`; a file named explicitly with another extension is read as `fallback`.
public enum CorpusFiles {
    public static func expand(_ paths: [String], textUnit: CorpusFormat = .lines,
                              fallback: CorpusFormat = .jsonl) throws -> (files: [CorpusFile], skipped: [String]) {
        var files: [CorpusFile] = []
        var skipped: [String] = []
        let fm = FileManager.default
        for path in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
                throw CorpusPathError(path: path, reason: "no such file or directory; check the --in path")
            }
            if isDir.boolValue {
                guard let walker = fm.enumerator(atPath: path) else {
                    throw CorpusPathError(path: path, reason: "cannot list the directory (permissions?)")
                }
                var found: [String] = []
                while let rel = walker.nextObject() as? String {
                    let name = (rel as NSString).lastPathComponent
                    if name.hasPrefix(".") { walker.skipDescendants(); continue }
                    let full = (path as NSString).appendingPathComponent(rel)
                    var sub: ObjCBool = false
                    if fm.fileExists(atPath: full, isDirectory: &sub), !sub.boolValue { found.append(full) }
                }
                for full in found.sorted() {
                    if let format = format(ofName: full, textUnit: textUnit) {
                        files.append(CorpusFile(path: full, format: format, size: size(full)))
                    } else {
                        skipped.append(full)
                    }
                }
            } else {
                let format = format(ofName: path, textUnit: textUnit) ?? fallback
                files.append(CorpusFile(path: path, format: format, size: size(path)))
            }
        }
        return (files, skipped)
    }

    /// The format a file name implies, or nil for names the filter does not know.
    public static func format(ofName path: String, textUnit: CorpusFormat) -> CorpusFormat? {
        var name = (path as NSString).lastPathComponent.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") || name.hasSuffix(".json") { return .jsonl }
        if name.hasSuffix(".txt") || name.hasSuffix(".text") { return textUnit == .jsonl ? .lines : textUnit }
        return nil
    }

    static func size(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
    }
}
