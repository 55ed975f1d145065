/// A window of a streamed completion to score, ending at a cut point.
public struct ScreenWindow: Sendable, Equatable {
    public enum Reason: String, Sendable, Equatable {
        /// `rescore_every_chars` characters arrived since the last scoring.
        case characterBudget
        /// A chunk completed a sentence (`.`, `!`, `?`, `…`, a newline, or their CJK forms).
        case sentenceEnd
        /// The stream ended with text not yet scored.
        case streamEnd
    }

    /// The last `window_chars` characters of the text up to the cut (fewer at the start).
    public var text: String
    /// Characters of the completion up to and including the cut.
    public var end: Int
    public var reason: Reason
}

/// Decides when to re-score a streamed completion and what to score. Pure and incremental:
/// feed it each content delta before relaying it; score every window it returns (in order) and
/// relay the delta only if none blocks. Call `finish()` at the end of the stream and score what it
/// returns before the final chunk.
///
/// Guarantees (characters are Unicode scalars, so they do not depend on how deltas split text):
/// - between two consecutive scorings, and between the start and the first scoring, at most
///   `rescore_every_chars` characters arrive; so at most that many characters of violating text
///   can reach the client before the cut (when deltas are relayed only after `feed` returned);
/// - after `finish()`, the whole text has been covered: the last cut is at the end of the text;
/// - every window is the last `window_chars` characters before its cut, and since
///   `window_chars ≥ rescore_every_chars`, every character lies in at least one scored window.
///
/// Memory is bounded by about `2 × window_chars` characters, whatever the completion's length.
///
/// ```swift
/// var cadence = StreamScreenCadence(everyChars: 200, atSentenceEnd: true, windowChars: 1000)
/// for delta in deltas {
///     for window in cadence.feed(delta) where policy.screenOutput(window.text, ...).action == .block { cut() }
///     relay(delta)
/// }
/// if let last = cadence.finish() { ... score last.text ... }
/// ```
public struct StreamScreenCadence: Sendable {
    public let everyChars: Int?
    public let atSentenceEnd: Bool
    public let windowChars: Int

    private(set) var tail: [Unicode.Scalar] = []
    private var base = 0
    private var total = 0
    private var lastScored = 0

    /// `windowChars` is raised to `everyChars` if smaller, so no character escapes every window.
    public init(everyChars: Int?, atSentenceEnd: Bool, windowChars: Int) {
        self.everyChars = everyChars.map { max(1, $0) }
        self.atSentenceEnd = atSentenceEnd
        self.windowChars = max(1, windowChars, self.everyChars ?? 1)
    }

    public init(_ settings: StreamScreening) {
        self.init(everyChars: settings.rescoreEveryChars, atSentenceEnd: settings.rescoreAtSentenceEnd,
                  windowChars: settings.windowChars)
    }

    /// Characters received so far.
    public var charactersSeen: Int { total }
    /// Characters received since the last scoring.
    public var unscoredCharacters: Int { total - lastScored }

    /// Takes the next content delta; returns the windows to score now, in order.
    public mutating func feed(_ delta: String) -> [ScreenWindow] {
        var windows: [ScreenWindow] = []
        var sentenceEnded = false
        for scalar in delta.unicodeScalars {
            tail.append(scalar)
            total += 1
            if atSentenceEnd && Self.isSentenceEnd(scalar) { sentenceEnded = true }
            if let n = everyChars, total - lastScored >= n {
                windows.append(cut(.characterBudget))
                sentenceEnded = false
            }
        }
        if sentenceEnded && total > lastScored { windows.append(cut(.sentenceEnd)) }
        trim()
        return windows
    }

    /// Ends the stream: the window over the unscored tail, or nil if everything was scored.
    public mutating func finish() -> ScreenWindow? {
        total > lastScored ? cut(.streamEnd) : nil
    }

    private mutating func cut(_ reason: ScreenWindow.Reason) -> ScreenWindow {
        lastScored = total
        let start = max(base, total - windowChars)
        return ScreenWindow(text: Self.string(tail[(start - base)...]), end: total, reason: reason)
    }

    /// Drops characters no future window can reach (they start after `lastScored − windowChars`).
    private mutating func trim() {
        let keepFrom = lastScored - windowChars
        if keepFrom - base > windowChars {
            tail.removeFirst(keepFrom - base)
            base = keepFrom
        }
    }

    /// The scalars as a String, through UTF-8 bytes (appending scalars to a `UnicodeScalarView`
    /// one by one was the largest cost of streamed screening in the gateway benchmark).
    static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.count * 2)
        for scalar in scalars {
            let v = scalar.value
            switch v {
            case 0..<0x80: bytes.append(UInt8(v))
            case 0x80..<0x800:
                bytes.append(UInt8(0xC0 | (v >> 6))); bytes.append(UInt8(0x80 | (v & 0x3F)))
            case 0x800..<0x10000:
                bytes.append(UInt8(0xE0 | (v >> 12))); bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F))); bytes.append(UInt8(0x80 | (v & 0x3F)))
            default:
                bytes.append(UInt8(0xF0 | (v >> 18))); bytes.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
                bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F))); bytes.append(UInt8(0x80 | (v & 0x3F)))
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func isSentenceEnd(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case ".", "!", "?", "\n", "…", "。", "！", "？": true
        default: false
        }
    }
}
