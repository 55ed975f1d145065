/// Splits a document into spans for span-level filtering: sentences (a span ends after `.`, `!`, `?`
/// followed by whitespace, or at a line break), each at most `maxChars` characters (longer ones are
/// cut at the last whitespace before the limit). Spans keep their trailing whitespace, so joining
/// them gives the document back exactly.
///
/// ```swift
/// SpanSplitter.split("Hello there. I hate you!\nBye", maxChars: 600)
/// // ["Hello there. ", "I hate you!\n", "Bye"]
/// ```
public enum SpanSplitter {
    public static func split(_ text: String, maxChars: Int) -> [Substring] {
        var spans: [Substring] = []
        var start = text.startIndex
        var count = 0
        var lastSpace: String.Index? = nil
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            let next = text.index(after: i)
            count += 1
            var cut: String.Index? = nil
            if c == "\n" || c == "\r\n" {
                cut = next
            } else if c == "." || c == "!" || c == "?" {
                if next < text.endIndex, text[next].isWhitespace {
                    var j = next
                    while j < text.endIndex, text[j] == " " || text[j] == "\t" { j = text.index(after: j) }
                    if j < text.endIndex, text[j] == "\n" || text[j] == "\r\n" { j = text.index(after: j) }
                    cut = j
                }
            } else if c.isWhitespace {
                lastSpace = next
            }
            if cut == nil, count >= maxChars {
                cut = lastSpace.flatMap { $0 > start ? $0 : nil } ?? next
            }
            if let cut {
                spans.append(text[start..<cut])
                start = cut
                i = cut
                count = text[start..<i].count
                lastSpace = nil
                continue
            }
            i = next
        }
        if start < text.endIndex { spans.append(text[start..<text.endIndex]) }
        return spans
    }

    /// The kept text: flagged spans replaced by `mask` (keeping the span's trailing whitespace) or dropped.
    public static func rewrite(_ spans: [Substring], flagged: [Bool], action: SpanAction, mask: String) -> String {
        var out = ""
        for (s, f) in zip(spans, flagged) {
            guard f else { out += s; continue }
            if action == .mask {
                var trail = s.endIndex
                while trail > s.startIndex, s[s.index(before: trail)].isWhitespace { trail = s.index(before: trail) }
                out += mask
                out += s[trail...]
            }
        }
        return out
    }
}
