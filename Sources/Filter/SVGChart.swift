import Foundation

/// Inline SVG charts for the report (no scripts, no external files).
enum SVGChart {
    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func f(_ x: Double) -> String { String(format: "%.1f", x) }

    /// A histogram of counts over [0, 1] on a log10(1 + count) axis, with a vertical threshold line.
    static func histogram(title: String, counts: [Int], threshold: Double?, overlay: [Int]? = nil,
                          width: Double = 300, height: Double = 130) -> String {
        let left = 30.0, bottom = 18.0, top = 16.0
        let plotW = width - left - 6, plotH = height - bottom - top
        let maxLog = log10(1 + Double(max(1, (counts + (overlay ?? [])).max() ?? 1)))
        let bw = plotW / Double(counts.count)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\" aria-label=\"\(esc(title))\">"
        s += "<text x=\"\(f(left))\" y=\"11\" font-size=\"11\" font-weight=\"bold\">\(esc(title))</text>"
        func bars(_ c: [Int], _ fill: String) {
            for (i, n) in c.enumerated() where n > 0 {
                let h = plotH * log10(1 + Double(n)) / maxLog
                s += "<rect x=\"\(f(left + Double(i) * bw))\" y=\"\(f(top + plotH - h))\" width=\"\(f(max(0.5, bw - 0.5)))\" height=\"\(f(h))\" fill=\"\(fill)\"><title>[\(String(format: "%.2f", Double(i) / Double(c.count)))–\(String(format: "%.2f", Double(i + 1) / Double(c.count)))): \(n)</title></rect>"
            }
        }
        bars(counts, "#7a8fb8")
        if let overlay { bars(overlay, "#4caf7a") }
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(left + plotW))\" y2=\"\(f(top + plotH))\" stroke=\"#333\"/>"
        for x in [0.0, 0.5, 1.0] {
            s += "<text x=\"\(f(left + x * plotW))\" y=\"\(f(height - 4))\" font-size=\"9\" text-anchor=\"middle\">\(String(format: "%.1f", x))</text>"
        }
        s += "<text x=\"2\" y=\"\(f(top + 8))\" font-size=\"9\">log</text>"
        if let t = threshold {
            let x = left + t * plotW
            s += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + plotH))\" stroke=\"#c62828\" stroke-dasharray=\"3,2\"><title>threshold \(t)</title></line>"
        }
        return s + "</svg>"
    }

    /// Horizontal bars with labels and value texts; an optional reference line (e.g. the overall rate).
    static func bars(_ rows: [(label: String, value: Double, text: String, highlight: Bool)], maxValue: Double,
                     reference: (value: Double, label: String)? = nil, width: Double = 640) -> String {
        let rowH = 16.0, labelW = 170.0, valueW = 150.0
        let plotW = width - labelW - valueW
        let height = Double(rows.count) * rowH + (reference == nil ? 6 : 20)
        let scale = maxValue > 0 ? plotW / maxValue : 0
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\">"
        for (i, r) in rows.enumerated() {
            let y = Double(i) * rowH
            s += "<text x=\"\(f(labelW - 4))\" y=\"\(f(y + 12))\" font-size=\"11\" text-anchor=\"end\">\(esc(r.label))</text>"
            s += "<rect x=\"\(f(labelW))\" y=\"\(f(y + 2))\" width=\"\(f(max(0, r.value * scale)))\" height=\"\(f(rowH - 4))\" fill=\"\(r.highlight ? "#c62828" : "#7a8fb8")\"/>"
            s += "<text x=\"\(f(labelW + max(0, r.value * scale) + 4))\" y=\"\(f(y + 12))\" font-size=\"10\">\(esc(r.text))</text>"
        }
        if let ref = reference {
            let x = labelW + ref.value * scale
            let h = Double(rows.count) * rowH
            s += "<line x1=\"\(f(x))\" y1=\"0\" x2=\"\(f(x))\" y2=\"\(f(h))\" stroke=\"#333\" stroke-dasharray=\"4,3\"/>"
            s += "<text x=\"\(f(x))\" y=\"\(f(h + 13))\" font-size=\"10\" text-anchor=\"middle\">\(esc(ref.label))</text>"
        }
        return s + "</svg>"
    }
}
