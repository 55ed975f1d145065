import Foundation
import Policy

/// `policy:` the layered content policy and inline screening. Without this section requests are
/// not screened. With it, every prompt and completion is screened by the built-in classifier
/// under the platform policy (`file`, or the built-in standard policy) and each app's customization.
///
/// ```yaml
/// policy:
///   file: config/policy.yaml
/// ```
public struct PolicyConfig: Decodable, Sendable {
    /// Path of `policy.yaml` (bounds and defaults); unset: the built-in standard policy.
    public var file: String?

    enum CodingKeys: String, CodingKey { case file }

    public init(file: String? = nil) { self.file = file }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        file = try c.decodeIfPresent(String.self, forKey: .file)
    }

    /// The platform policy this configuration names, loaded and validated (errors name the line).
    public func platform() throws -> PlatformPolicy {
        guard let file else { return .standard }
        do { return try PolicyDocument.loadPlatform(path: file) } catch { throw ConfigError("policy.file: \(error)") }
    }
}
