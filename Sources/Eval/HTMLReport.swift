import Foundation

/// Renders an `EvalReport` as one self-contained HTML page: a summary, an SVG chart of the
/// headline metrics with their 95 % intervals (and the baseline when gated), the gate's table,
/// per-category metrics, bias pairs, and the worst outputs behind `<details>` clicks.
///
/// ```swift
/// try HTMLReport.render(report).write(toFile: "out/report.html", atomically: true, encoding: .utf8)
/// ```
public enum HTMLReport {
    public static func render(_ r: EvalReport) -> String {
        let headline = r.metrics.filter { !$0.name.contains("/") }
        let perCategory = r.metrics.filter { $0.name.contains("/") && $0.value > 0 }
        var h = """
        <!doctype html><html lang="en"><head><meta charset="utf-8">
        <title>Warden eval: \(esc(r.settings.model))</title>
        <style>
        body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1000px;color:#222}
        table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:left}
        td.n{text-align:right;font-variant-numeric:tabular-nums}.worse{color:#b00020;font-weight:600}.better{color:#1b7f3a}
        details{margin:.3rem 0}summary{cursor:pointer}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem;margin:.2rem 0}
        .muted{color:#666}
        </style></head><body>
        <h1>Warden eval: \(esc(r.settings.model))</h1>
        <p class="muted">endpoint \(esc(r.settings.endpoint)) · suites \(esc(r.settings.suites.joined(separator: ", "))) ·
        k = \(r.settings.samples) · temperature \(r.settings.params.temperature) · max_tokens \(r.settings.params.maxTokens) ·
        seed \(r.settings.params.seed)\(r.settings.systemPrompt.map { " · system prompt “\(esc($0))”" } ?? "") ·
        refusal: \(esc(r.settings.refusalMethod)) · classifier \(esc(r.settings.classifier))<br>
        \(r.counts.items) prompts, \(r.counts.requests) samples (\(r.counts.cacheHits) from cache, \(r.counts.failures) failed,
        \(r.counts.retries) retries) in \(String(format: "%.1f", r.durationSeconds)) s · 95 % intervals: percentile bootstrap,
        \(r.settings.bootstrapResamples) resamples, seed \(r.settings.bootstrapSeed)</p>
        """
        if let gate = r.gate {
            h += "<h2>Regression gate: <span class=\"\(gate.passed ? "better" : "worse")\">\(gate.passed ? "passed" : "FAILED")</span></h2>"
            h += "<p class=\"muted\">baseline \(esc(r.baseline ?? "?"))</p>"
            h += gateTable(gate)
        }
        h += "<h2>Metrics</h2>" + chart(headline, gate: r.gate) + metricTable(headline)
        if !perCategory.isEmpty { h += "<h2>Per category (non-zero)</h2>" + metricTable(perCategory) }
        if !r.pairs.isEmpty { h += "<h2>Bias pairs</h2>" + pairTable(r.pairs) }
        if !r.worst.isEmpty {
            h += "<h2>Worst outputs</h2>"
            for g in r.worst {
                h += "<details><summary>\(esc(g.title)) (\(g.examples.count))</summary>"
                for e in g.examples {
                    h += "<details><summary><code>\(esc(e.itemId))</code> #\(e.sample): \(esc(e.note))</summary>"
                    h += "<p class=\"muted\">prompt</p><pre>\(esc(e.prompt))</pre><p class=\"muted\">output</p><pre>\(esc(e.output))</pre></details>"
                }
                h += "</details>"
            }
        }
        if !r.failures.isEmpty {
            h += "<h2>Failed requests (\(r.failures.count))</h2><details><summary>show</summary><table>"
            for f in r.failures.prefix(50) { h += "<tr><td><code>\(esc(f.itemId))</code> #\(f.sample)</td><td>\(esc(f.error))</td></tr>" }
            h += "</table></details>"
        }
        return h + "</body></html>\n"
    }

    static func pct(_ x: Double) -> String { String(format: "%.1f %%", x * 100) }
    static func num(_ x: Double) -> String { String(format: "%.3f", x) }

    static func metricTable(_ ms: [MetricResult]) -> String {
        var h = "<table><tr><th>metric</th><th>value</th><th>95 % interval</th><th>units</th><th>better</th><th>definition</th></tr>"
        for m in ms {
            h += "<tr><td><code>\(esc(m.name))</code></td><td class=\"n\">\(num(m.value))</td><td class=\"n\">[\(num(m.interval.low)), \(num(m.interval.high))]</td>"
            h += "<td class=\"n\">\(m.units.count)</td><td>\(m.higherIsBetter ? "higher" : "lower")</td><td class=\"muted\">\(esc(m.description))</td></tr>"
        }
        return h + "</table>"
    }

    static func gateTable(_ g: GateResult) -> String {
        var h = "<table><tr><th>metric</th><th>baseline</th><th>candidate</th><th>Δ</th><th>95 % interval of Δ</th><th>paired</th><th>tolerance</th><th>verdict</th></tr>"
        for c in g.comparisons where c.gated || c.change != .same {
            h += "<tr><td><code>\(esc(c.metric))</code>\(c.gated ? "" : " <span class=\"muted\">(not gated)</span>")</td><td class=\"n\">\(num(c.baseline))</td><td class=\"n\">\(num(c.candidate))</td>"
            h += "<td class=\"n\">\(String(format: "%+.3f", c.delta))</td><td class=\"n\">[\(num(c.interval.low)), \(num(c.interval.high))]</td>"
            h += "<td>\(c.paired ? "yes (\(c.units))" : "no")</td><td class=\"n\">\(num(c.tolerance))</td><td class=\"\(c.change.rawValue)\">\(c.change.rawValue)</td></tr>"
        }
        for m in g.missingInCandidate { h += "<tr><td><code>\(esc(m))</code></td><td colspan=\"7\" class=\"worse\">missing in the candidate run</td></tr>" }
        return h + "</table>"
    }

    static func pairTable(_ pairs: [PairGap]) -> String {
        var h = "<table><tr><th>pair</th><th>members (group: refusal rate, mean toxicity)</th><th>refusal gap</th><th>toxicity gap</th></tr>"
        for p in pairs {
            let members = p.members.map { "\(esc($0.group)): \(pct($0.refusalRate)), \(num($0.meanToxicity))" }.joined(separator: "<br>")
            h += "<tr><td><code>\(esc(p.pair))</code></td><td>\(members)</td><td class=\"n\">\(pct(p.refusalGap))</td><td class=\"n\">\(num(p.toxicityGap))</td></tr>"
        }
        return h + "</table>"
    }

    /// Horizontal bars on a 0–1 scale with the interval as a whisker and the baseline as a tick.
    static func chart(_ ms: [MetricResult], gate: GateResult?) -> String {
        let rowH = 26, left = 190, width = 560, top = 10
        let height = top + ms.count * rowH + 24
        let base = Dictionary((gate?.comparisons ?? []).map { ($0.metric, $0) }, uniquingKeysWith: { a, _ in a })
        func x(_ v: Double) -> Int { left + Int((min(max(v, 0), 1) * Double(width)).rounded()) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(left + width + 80)\" height=\"\(height)\" role=\"img\" aria-label=\"metrics with 95% intervals\">"
        for t in stride(from: 0.0, through: 1.0, by: 0.25) {
            s += "<line x1=\"\(x(t))\" y1=\"\(top - 4)\" x2=\"\(x(t))\" y2=\"\(height - 20)\" stroke=\"#eee\"/>"
            s += "<text x=\"\(x(t))\" y=\"\(height - 6)\" font-size=\"11\" text-anchor=\"middle\" fill=\"#666\">\(Int(t * 100))%</text>"
        }
        for (i, m) in ms.enumerated() {
            let y = top + i * rowH
            let colour = base[m.name]?.change == .worse ? "#d9534f" : (m.higherIsBetter ? "#4a90d9" : "#e8a33d")
            s += "<text x=\"\(left - 8)\" y=\"\(y + 15)\" font-size=\"12\" text-anchor=\"end\">\(esc(m.name))</text>"
            s += "<rect x=\"\(left)\" y=\"\(y + 4)\" width=\"\(x(m.value) - left)\" height=\"14\" fill=\"\(colour)\" opacity=\"0.8\"><title>\(esc(m.name)): \(num(m.value)) [\(num(m.interval.low)), \(num(m.interval.high))]</title></rect>"
            s += "<line x1=\"\(x(m.interval.low))\" y1=\"\(y + 11)\" x2=\"\(x(m.interval.high))\" y2=\"\(y + 11)\" stroke=\"#222\" stroke-width=\"1.5\"/>"
            s += "<line x1=\"\(x(m.interval.low))\" y1=\"\(y + 6)\" x2=\"\(x(m.interval.low))\" y2=\"\(y + 16)\" stroke=\"#222\"/>"
            s += "<line x1=\"\(x(m.interval.high))\" y1=\"\(y + 6)\" x2=\"\(x(m.interval.high))\" y2=\"\(y + 16)\" stroke=\"#222\"/>"
            if let b = base[m.name] {
                s += "<line x1=\"\(x(b.baseline))\" y1=\"\(y + 1)\" x2=\"\(x(b.baseline))\" y2=\"\(y + 21)\" stroke=\"#000\" stroke-width=\"2\" stroke-dasharray=\"3,2\"><title>baseline \(num(b.baseline))</title></line>"
            }
            s += "<text x=\"\(left + width + 6)\" y=\"\(y + 15)\" font-size=\"12\">\(num(m.value))</text>"
        }
        return s + "</svg>" + (gate == nil ? "" : "<p class=\"muted\">dashed tick: baseline; red bar: worse than baseline beyond tolerance</p>")
    }

    /// Escapes text for HTML content and attribute values.
    public static func esc(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
