import Foundation

/// The texts a long text is embedded as, for the precise tier: the text itself (the encoder keeps
/// its first word pieces, about the first 500 characters) and, for longer texts, chunks of at most
/// `chars` characters from character `chars` on, each cut at a space, at most `maxWindows` in all.
/// The embedding expert's logits are the maximum over the windows, as the n-gram expert's are over
/// its own windows, so a harmful paragraph late in a long post is seen by both.
///
/// ```swift
/// let windows = EmbeddingWindows.split(post)      // [post, chunk 2, chunk 3, …]
/// ```
public enum EmbeddingWindows {
    public static let chars = 500
    public static let maxWindows = 8

    public static func split(_ text: String, chars: Int = chars, maxWindows: Int = maxWindows) -> [String] {
        // Every text of the precise tier passes here: one window needs no copy of its scalars
        // (a text of at most `chars` UTF-8 bytes has at most `chars` scalars).
        guard maxWindows > 1, text.utf8.count > chars else { return [text] }
        let scalars = Array(text.unicodeScalars)
        guard scalars.count > chars else { return [text] }
        var windows = [text]
        var start = chars
        while start < scalars.count, windows.count < maxWindows {
            // Start after a space when one is near, end at the last space before the limit.
            while start < scalars.count, start < chars * (windows.count) + 40, !scalars[start - 1].properties.isWhitespace { start += 1 }
            var end = min(scalars.count, start + chars)
            if end < scalars.count {
                var cut = end
                while cut > start + chars / 2, !scalars[cut].properties.isWhitespace { cut -= 1 }
                if cut > start + chars / 2 { end = cut }
            }
            var window = String.UnicodeScalarView()
            window.append(contentsOf: scalars[start..<end])
            let piece = String(window).trimmingCharacters(in: .whitespacesAndNewlines)
            if !piece.isEmpty { windows.append(piece) }
            start = end
        }
        return windows
    }
}
