/// One category's rule for one direction: two optional thresholds on the classifier's score.
/// `score ≥ blockAt` → block; else `score ≥ flagAt` → flag; else allow. A missing threshold
/// never fires. Thresholds are in [0, 1] (the loaders reject anything else).
///
/// ```swift
/// let r = PolicyRule(flagAt: 0.5, blockAt: 0.8)
/// r.action(for: 0.6)                               // .flag
/// r.isNoLooser(than: PolicyRule(blockAt: 0.9))     // true: blocks earlier and flags too
/// ```
public struct PolicyRule: Codable, Sendable, Hashable {
    public var flagAt: Double?
    public var blockAt: Double?

    public init(flagAt: Double? = nil, blockAt: Double? = nil) {
        self.flagAt = flagAt
        self.blockAt = blockAt
    }

    /// A rule that never flags nor blocks.
    public static let allowAll = PolicyRule()

    enum CodingKeys: String, CodingKey {
        case flagAt = "flag_at"
        case blockAt = "block_at"
    }

    /// The action for one score.
    public func action(for score: Double) -> PolicyAction {
        if let b = blockAt, score >= b { return .block }
        if let f = flagAt, score >= f { return .flag }
        return .allow
    }

    /// The lowest score that is at least flagged (flagged or blocked), nil if none is.
    /// A `flagAt` above `blockAt` never matters: blocking starts first.
    public var flagsFrom: Double? { minOptional(flagAt, blockAt) }

    /// The lowest score that is blocked, nil if none is.
    public var blocksFrom: Double? { blockAt }

    /// True iff for every score in [0, 1] this rule's action is at least as strict as `other`'s.
    /// Both "at least flag" and "block" must start no later than in `other`
    /// (a missing threshold counts as never; thresholds are assumed within [0, 1]).
    public func isNoLooser(than other: PolicyRule) -> Bool {
        startsNoLater(flagsFrom, other.flagsFrom) && startsNoLater(blocksFrom, other.blocksFrom)
    }

    /// The strictest combination: for every score, the stricter of the two actions.
    public func tightened(by other: PolicyRule) -> PolicyRule {
        let block = minOptional(blockAt, other.blockAt)
        let flag = minOptional(flagsFrom, other.flagsFrom)
        return PolicyRule(flagAt: flag == block ? nil : flag, blockAt: block)
    }

    /// The same behaviour with no redundant threshold (a `flagAt` at or above `blockAt` is dropped).
    public var normalized: PolicyRule {
        PolicyRule(flagAt: flagsFrom == blockAt ? nil : flagAt, blockAt: blockAt)
    }

    /// True iff both rules give the same action for every score in [0, 1].
    public func behavesLike(_ other: PolicyRule) -> Bool {
        isNoLooser(than: other) && other.isNoLooser(than: self)
    }
}

func minOptional(_ a: Double?, _ b: Double?) -> Double? {
    switch (a, b) {
    case let (x?, y?): min(x, y)
    case let (x?, nil): x
    case let (nil, y?): y
    case (nil, nil): nil
    }
}
