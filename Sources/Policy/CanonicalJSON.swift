import Foundation

extension PolicyDocument {
    /// The canonical JSON of a document (sorted keys), in the schema `parseApp`/`parsePlatform`
    /// read back: what the store keeps and the admin API returns.
    public static func json(_ app: AppPolicy) -> String { encode(app) }
    public static func json(_ platform: PlatformPolicy) -> String { encode(platform) }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
