import Classifier
import Foundation
import WardenCore

/// Renders a `FilterReport` as one self-contained HTML page (inline CSS and SVG, no scripts).
///
/// ```swift
/// let html = ReportHTML.render(report)
/// ```
public enum ReportHTML {
    static let esc = SVGChart.esc
    static func pct(_ x: Double) -> String { String(format: "%.2f%%", 100 * x) }
    static func mb(_ b: Int) -> String { String(format: "%.2f MB", Double(b) / 1e6) }

    public static func render(_ r: FilterReport) -> String {
        var h = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>warden filter report</title>
        <style>body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}
        table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right;vertical-align:top}
        th{background:#f3f3f3}td.l,th.l{text-align:left}.warn{background:#fdecea;border-left:4px solid #c62828;padding:.4em .8em;margin:.3em 0}
        .ok{background:#edf7ed;border-left:4px solid #2e7d32;padding:.4em .8em}.grid{display:flex;flex-wrap:wrap;gap:6px}
        .ex{font-size:12px;white-space:pre-wrap;max-width:560px;text-align:left}small{color:#666}</style></head><body>
        <h1>warden filter report</h1>
        """
        h += overview(r) + volumes(r) + byCategory(r) + intervention(r) + histograms(r) + audit(r) + examples(r) + problems(r)
        return h + "</body></html>\n"
    }

    static func overview(_ r: FilterReport) -> String {
        var s = "<p>Model <b>\(esc(r.model))</b>, \(r.level)-level decisions"
        if let sp = r.spans { s += " (violating spans \(sp.action == .mask ? "masked with “\(esc(sp.maskText))”" : "dropped"); documents with more than \(pct(sp.maxFlaggedFraction)) of their characters flagged removed whole)" }
        s += ", dedup <b>\(r.dedup.rawValue)</b>, \(r.threads) threads, \(String(format: "%.1f", r.elapsedSeconds)) s (\(String(format: "%.1f", r.megabytesPerSecond)) MB/s). Created \(esc(r.createdAt)).</p>"
        s += "<table><tr><th class=l>category</th>" + ModerationCategory.allCases.map { "<th>\(esc($0.rawValue))</th>" }.joined() + "</tr><tr><td class=l>threshold</td>"
        s += ModerationCategory.allCases.map { c in "<td>\(r.thresholds[c.rawValue].map { String(format: "%.3f", $0) } ?? "off")</td>" }.joined() + "</tr></table>"
        s += "<p><small>Inputs: " + r.inputs.map { esc($0.path) + " (\($0.format.rawValue))" }.joined(separator: ", ") + "</small></p>"
        return s
    }

    static func volumes(_ r: FilterReport) -> String {
        let t = r.tally
        func row(_ name: String, _ v: Volume) -> String {
            "<tr><td class=l>\(name)</td><td>\(v.documents)</td><td>\(pct(t.input.documents == 0 ? 0 : Double(v.documents) / Double(t.input.documents)))</td><td>\(mb(v.bytes))</td><td>\(pct(t.input.bytes == 0 ? 0 : Double(v.bytes) / Double(t.input.bytes)))</td></tr>"
        }
        var s = "<h2>Documents and bytes</h2><table><tr><th class=l></th><th>documents</th><th>share</th><th>bytes</th><th>share</th></tr>"
        s += row("input", t.input) + row("kept (written to \(esc(r.keptPath)))", t.kept) + row("removed by the classifier", t.removed)
        if r.level == "span" { s += row("kept with masked spans (\(t.maskedSpans) spans)", t.masked) }
        if r.dedup != .off { s += row("exact duplicates dropped", t.duplicatesExact) + row("near duplicates dropped", t.duplicatesNear) }
        s += "</table><p><small>Skipped records (not documents): \(t.problemTotal). Files read: \(t.filesRead)"
        if !t.emptyFiles.isEmpty { s += "; empty: " + t.emptyFiles.map(esc).joined(separator: ", ") }
        if !r.skippedFiles.isEmpty { s += "; not corpus files (skipped): " + r.skippedFiles.map(esc).joined(separator: ", ") }
        return s + ".</small></p>"
    }

    static func byCategory(_ r: FilterReport) -> String {
        let t = r.tally
        let rows = ModerationCategory.allCases.map { c -> (String, Double, String, Bool) in
            let v = t.removedByCategory[c.index]
            return (c.rawValue, Double(v.documents), "\(v.documents) docs, \(mb(v.bytes))", false)
        }
        var s = "<h2>Removed, by category</h2><p><small>A document counts under every category that crossed its threshold.</small></p>"
        s += SVGChart.bars(rows.map { ($0.0, $0.1, $0.2, $0.3) }, maxValue: rows.map(\.1).max() ?? 1)
        if r.level == "span" {
            let m = ModerationCategory.allCases.map { c -> (String, Double, String, Bool) in
                let v = t.maskedByCategory[c.index]
                return (c.rawValue, Double(v.documents), "\(v.documents) docs", false)
            }
            s += "<h3>Kept with masked spans, by category</h3>" + SVGChart.bars(m, maxValue: m.map(\.1).max() ?? 1)
        }
        return s
    }

    static func intervention(_ r: FilterReport) -> String {
        let a = r.inputToxicity, b = r.keptToxicity
        func line(_ name: String, _ x: Double, _ y: Double, _ fmt: String = "%.4f") -> String {
            let change = x > 0 ? String(format: "%+.1f%%", 100 * (y - x) / x) : "–"
            return "<tr><td class=l>\(name)</td><td>\(String(format: fmt, x))</td><td>\(String(format: fmt, y))</td><td>\(change)</td></tr>"
        }
        var s = "<h2>Effect of the intervention</h2><p><small>Toxicity of a document = its highest category score (scores of the kept text, after masking). Quantiles are exact to 0.001.</small></p>"
        s += "<table><tr><th class=l></th><th>input (\(a.documents))</th><th>kept (\(b.documents))</th><th>change</th></tr>"
        s += line("mean toxicity", a.mean, b.mean) + line("p95", a.p95, b.p95, "%.3f") + line("p99", a.p99, b.p99, "%.3f")
        s += line("max", a.max, b.max, "%.3f") + line("share ≥ 0.5", a.rateAtLeastHalf, b.rateAtLeastHalf)
        for c in ModerationCategory.allCases {
            s += line("mean \(c.rawValue)", a.categoryMeans[c.rawValue] ?? 0, b.categoryMeans[c.rawValue] ?? 0)
        }
        s += "</table>"
        func coarse(_ h: UnitHistogram) -> [Int] { stride(from: 0, to: h.counts.count, by: 20).map { h.counts[$0..<min($0 + 20, h.counts.count)].reduce(0, +) } }
        s += SVGChart.histogram(title: "toxicity: input (blue) vs kept (green)", counts: coarse(r.tally.inputToxicity.histogram),
                                threshold: nil, overlay: coarse(r.tally.keptToxicity.histogram), width: 420, height: 160)
        return s
    }

    static func histograms(_ r: FilterReport) -> String {
        var s = "<h2>Score histograms per category (input)</h2><p><small>Counts on a log scale; dashed red line: threshold.</small></p><div class=grid>"
        for c in ModerationCategory.allCases {
            s += SVGChart.histogram(title: c.rawValue, counts: r.tally.histograms[c.index].counts, threshold: r.thresholds[c.rawValue])
        }
        return s + "</div>"
    }

    static func audit(_ r: FilterReport) -> String {
        let a = r.audit
        var s = "<h2>Bias audit of the filter</h2>"
        if a.warnings.isEmpty {
            s += "<div class=ok>No group's removal rate exceeds the overall rate by more than \(String(format: "%.1f", a.factor))× (corpus groups with at least \(a.minDocuments) documents).</div>"
        }
        for w in a.warnings { s += "<div class=warn>\(esc(w))</div>" }
        let present = a.corpus.filter { $0.removal.total > 0 }
        s += "<h3>Corpus: removal rate of documents mentioning each group</h3><p><small>Overall removal rate \(pct(a.overallRemoval.rate)). Groups are matched as whole words; common words among them (white, black, man, straight, American…) match in any sense, so read those rows as upper bounds. Red: warned.</small></p>"
        let maxRate = max(a.overallRemoval.rate, present.map(\.removal.rate).max() ?? 0)
        s += SVGChart.bars(present.map { ("\($0.group)", $0.removal.rate, "\(pct($0.removal.rate)) (\($0.removal.count)/\($0.removal.total))", $0.warned) },
                           maxValue: max(maxRate, 1e-9), reference: (a.overallRemoval.rate, "overall \(pct(a.overallRemoval.rate))"))
        s += "<table><tr><th class=l>axis</th><th class=l>group</th><th>documents</th><th>removed</th><th>rate</th><th>95% CI</th><th>× overall</th></tr>"
        for g in present {
            s += "<tr><td class=l>\(esc(g.axis))</td><td class=l>\(esc(g.group))</td><td>\(g.removal.total)</td><td>\(g.removal.count)</td><td>\(pct(g.removal.rate))</td><td>\(pct(g.removal.low))–\(pct(g.removal.high))</td><td>\(String(format: "%.2f", g.ratio))</td></tr>"
        }
        s += "</table>"
        if present.count < a.corpus.count {
            s += "<p><small>Not mentioned in the corpus: " + a.corpus.filter { $0.removal.total == 0 }.map { esc($0.group) }.joined(separator: ", ") + ".</small></p>"
        }
        s += "<h3>Benign templated sentences per group, at the filter's thresholds</h3><p><small>\(a.templateOverall.total) sentences (\(BiasAuditInfo.templateCount) templates × \(a.templates.count) groups); every removal is a false positive. Overall \(a.templateOverall.count) removed (\(pct(a.templateOverall.rate))).</small></p>"
        let tmax = max(a.templateOverall.rate, a.templates.map(\.removal.rate).max() ?? 0)
        s += SVGChart.bars(a.templates.map { ($0.group, $0.removal.rate, "\($0.removal.count)/\($0.removal.total), mean tox \(String(format: "%.3f", $0.meanToxicity))", $0.warned) },
                           maxValue: max(tmax, 1e-9), reference: (a.templateOverall.rate, "overall \(pct(a.templateOverall.rate))"))
        let fps = a.templates.filter { !$0.removedExamples.isEmpty }
        if !fps.isEmpty {
            s += "<table><tr><th class=l>group</th><th class=l>benign sentences removed</th></tr>"
            for g in fps { s += "<tr><td class=l>\(esc(g.group))</td><td class=l>\(g.removedExamples.map(esc).joined(separator: "<br>"))</td></tr>" }
            s += "</table>"
        }
        return s
    }

    static func examples(_ r: FilterReport) -> String {
        func table(_ title: String, _ list: [ReportExample], note: String) -> String {
            var s = "<h3>\(title)</h3><p><small>\(note)</small></p>"
            guard !list.isEmpty else { return s + "<p>none</p>" }
            s += "<table><tr><th class=l>source</th><th class=l>categories</th><th>deciding score</th><th>margin</th><th class=l>excerpt</th></tr>"
            for e in list {
                s += "<tr><td class=l>\(esc((e.source as NSString).lastPathComponent)):\(e.line)</td><td class=l>\(esc(e.categories.joined(separator: ", ")))</td><td>\(esc(e.topCategory)) \(String(format: "%.3f", e.topScore))</td><td>\(String(format: "%.3f", e.margin))</td><td class=ex>\(esc(e.excerpt))</td></tr>"
            }
            return s + "</table>"
        }
        var s = "<h2>Examples</h2>"
        s += table("Removed, at random", r.tally.randomRemoved, note: "A uniform sample of removed documents (reservoir sampling, fixed seed).")
        s += table("Removed, nearest the threshold", r.tally.nearThresholdRemoved, note: "Removed documents whose highest (score − threshold) is smallest: the borderline calls.")
        s += table("Kept, nearest the threshold", r.tally.nearThresholdKept, note: "Kept documents closest to being removed.")
        return s
    }

    static func problems(_ r: FilterReport) -> String {
        let t = r.tally
        guard t.problemTotal > 0 else { return "<h2>Skipped records</h2><p>none</p>" }
        var s = "<h2>Skipped records</h2><table><tr><th class=l>reason</th><th>records</th></tr>"
        for (k, v) in t.problemCounts.sorted(by: { $0.key < $1.key }) { s += "<tr><td class=l>\(esc(k))</td><td>\(v)</td></tr>" }
        s += "</table><table><tr><th class=l>file</th><th>line</th><th class=l>reason</th></tr>"
        for p in t.problems.prefix(200) {
            s += "<tr><td class=l>\(esc(p.path))</td><td>\(p.line)</td><td class=l>\(esc(p.kind.rawValue)): \(esc(p.detail))</td></tr>"
        }
        s += "</table>"
        if t.problems.count > 200 || t.problemTotal > t.problems.count {
            s += "<p><small>\(t.problemTotal - min(200, t.problems.count)) more; report.json lists the first \(t.problems.count).</small></p>"
        }
        return s
    }
}

enum BiasAuditInfo {
    static var templateCount: Int { BiasAudit.templates.count }
}
