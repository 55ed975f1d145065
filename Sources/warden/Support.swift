import ArgumentParser
import Foundation
import Gateway
import Logging
import Store
import WardenCore

/// Options shared by commands that read `warden.yaml`.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Path of the configuration file.")
    var config = "warden.yaml"

    func load() throws -> WardenConfig {
        do { return try WardenConfig.load(path: config) } catch { throw ValidationError("\(error)") }
    }

    /// The configured store, opened and migrated.
    func openStore() throws -> (WardenConfig, SQLiteStore) {
        let config = try load()
        return (config, try SQLiteStore(path: config.store.sqlite))
    }

    func directory() throws -> TenantDirectory {
        let (config, store) = try openStore()
        return TenantDirectory(store: store, hasher: APIKeyHasher(secret: config.security.keySecret))
    }
}

/// Who acts, for the audit log of changes made from the command line.
var cliActor: String { "cli:" + (ProcessInfo.processInfo.environment["USER"] ?? "unknown") }

/// Prints a value as JSON (sorted keys, ISO 8601 dates) on one line.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// Prints rows as aligned columns.
func printTable(_ header: [String], _ rows: [[String]]) {
    let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  ")
    }
    print(line(header))
    rows.forEach { print(line($0)) }
}

enum Logs {
    /// Sets up logging once: structured lines on stderr, level from `WARDEN_LOG_LEVEL` (default info).
    static func bootstrap() {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["WARDEN_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            return handler
        }
    }
}
