import WardenCore

/// The training rows written by the project, one source each. Training adds them by default;
/// the leave-one-source-out table never holds them out (templated sentences must not enter its
/// mean) and source intercepts leave them without one (they exist to move every head).
///
/// ```swift
/// let rows = try TrainingDriver.loadRows(data: files, projectRows: [.identity, .refusals])
/// ProjectRows.sourceNames   // ["warden_identity_benign", "warden_threats", "warden_refusals", "warden_sexual", "warden_requests", "warden_everyday"]
/// ```
public enum ProjectRows: String, CaseIterable, Sendable {
    /// Benign sentences mentioning identity groups (`IdentityAugmentation`).
    case identity
    /// Threats, self-harm statements and harmless look-alikes (`ThreatAugmentation`).
    case threats
    /// Refusals and mundane "I can't …" sentences (`RefusalAugmentation`).
    case refusals
    /// Requests for sexual content and harmless look-alikes (`SexualAugmentation`).
    case sexual
    /// Requests for help with harm beside harmless twins (`RequestAugmentation`); the precise
    /// tier's by default, not the fast tier's (see `defaults(precise:leavingOut:)`).
    case requests
    /// Everyday advice-forum posts and story summaries, with suicidal and explicit twins
    /// (`EverydayAugmentation`); the precise tier's by default, not the fast tier's.
    case everyday

    public var sourceName: String {
        switch self {
        case .identity: IdentityAugmentation.sourceName
        case .threats: ThreatAugmentation.sourceName
        case .refusals: RefusalAugmentation.sourceName
        case .sexual: SexualAugmentation.sourceName
        case .requests: RequestAugmentation.sourceName
        case .everyday: EverydayAugmentation.sourceName
        }
    }

    /// What the rows are, for the training log.
    var summary: String {
        switch self {
        case .identity: "benign identity rows"
        case .threats: "threat, self-harm and look-alike rows"
        case .refusals: "refusals and everyday sentences"
        case .sexual: "sexual requests and look-alike rows"
        case .requests: "harmful and harmless requests"
        case .everyday: "everyday posts and story summaries"
        }
    }

    public func rows() -> [LabeledRow] {
        switch self {
        case .identity: IdentityAugmentation.rows()
        case .threats: ThreatAugmentation.rows()
        case .refusals: RefusalAugmentation.rows()
        case .sexual: SexualAugmentation.rows()
        case .requests: RequestAugmentation.rows()
        case .everyday: EverydayAugmentation.rows()
        }
    }

    /// The kinds a tier trains on, but those `leaveOut` marks true (the `--no-…-augmentation`
    /// flags). The fast tier leaves out `requests` and `everyday`: its n-grams take the group
    /// names of the hate requests as evidence (bias audit FPR 0.059 → 0.103 with them), and the
    /// everyday posts' neighbours and arguments as evidence against threats (a plain threat to
    /// "my neighbour" fell below the violence threshold), while the precise tier's embedding
    /// tells the register from the intent (`docs/precise.md`, sessions 13 and 15).
    public static func defaults(precise: Bool, leavingOut leaveOut: [ProjectRows: Bool] = [:]) -> Set<ProjectRows> {
        Set(allCases.filter { leaveOut[$0] != true && (precise || !preciseOnly.contains($0)) })
    }

    /// The kinds only the precise tier trains on by default.
    public static let preciseOnly: Set<ProjectRows> = [.requests, .everyday]

    /// Every project source's name.
    public static let sourceNames: Set<String> = Set(allCases.map(\.sourceName))
}
