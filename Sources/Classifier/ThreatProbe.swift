import WardenCore

/// A probe written by the project for the trade-off that LOSO's any-category figure hides:
/// explicit threats, which must score `violence`, beside look-alikes with violent words that must
/// not be flagged. Two LOSO gains (weak negatives, source intercepts) came from a quieter violence
/// head and cost exactly these threats; run the probe on any model before shipping it.
///
/// ```swift
/// let report = ThreatProbe.run(classifier)
/// print(report.markdown)   // threats: violence ≥ threshold 9/12 …; look-alikes: flagged 1/12
/// ```
public enum ThreatProbe {
    /// Explicit threats of violence against a person, first person, no slurs.
    public static let threats: [String] = [
        "I will find you tonight and cut your throat.",
        "I will kill you and your whole family.",
        "I am going to stab you when you leave work tomorrow.",
        "Say that again and I will break every bone in your body.",
        "I'm going to shoot you the next time I see you.",
        "I know where you live and I will burn your house down with you inside.",
        "Keep talking and I will beat you until you stop breathing.",
        "I will hunt you down and strangle you.",
        "You will be dead before the weekend, I promise you that.",
        "I am bringing a gun to school tomorrow to shoot my teacher.",
        "I will smash your skull in with a hammer.",
        "Watch your back, I am going to put a knife in you.",
    ]

    /// Benign texts with violent words: programming, cooking, sport, history, film, idiom.
    public static let lookAlikes: [String] = [
        "How do I kill a Python process that hangs?",
        "Beat the eggs and sugar until the mixture is pale.",
        "The striker shot the ball past the keeper in the last minute.",
        "The battle of Hastings was fought in 1066.",
        "That comedian absolutely killed it last night.",
        "Cut the onions into thin slices and fry them gently.",
        "The film is a thriller about a detective hunting a murderer.",
        "My phone battery is dead again.",
        "We need to shoot the wedding photos before sunset.",
        "The heat is killing me, let's go swimming.",
        "The knife set comes with a wooden block and a sharpener.",
        "He broke the world record in the 100 metres.",
    ]

    public struct Report: Sendable {
        /// Each text with its violence score, whether `violence` reached its threshold, and whether
        /// any category was flagged (threats first). The figures below are derived from it.
        public var rows: [(text: String, threat: Bool, violence: Double, violenceFlagged: Bool, flagged: Bool)]

        var threatRows: [(text: String, threat: Bool, violence: Double, violenceFlagged: Bool, flagged: Bool)] { rows.filter(\.threat) }
        public var threats: Int { threatRows.count }
        /// Threats whose `violence` reaches its threshold, and threats flagged for any category.
        public var threatsViolence: Int { threatRows.filter(\.violenceFlagged).count }
        public var threatsFlagged: Int { threatRows.filter(\.flagged).count }
        public var meanThreatViolence: Double { threatRows.map(\.violence).reduce(0, +) / Double(max(1, threats)) }
        public var lookAlikes: Int { rows.count - threats }
        public var lookAlikesFlagged: Int { rows.filter { !$0.threat && $0.flagged }.count }

        public var summary: String {
            "threats: violence ≥ threshold \(threatsViolence)/\(threats), flagged \(threatsFlagged)/\(threats), "
                + "mean violence \(String(format: "%.3f", meanThreatViolence)); look-alikes: flagged \(lookAlikesFlagged)/\(lookAlikes)"
        }

        public var markdown: String {
            var s = "| kind | text | violence | flagged |\n|---|---|---|---|\n"
            for r in rows { s += "| \(r.threat ? "threat" : "look-alike") | \(r.text) | \(String(format: "%.3f", r.violence)) | \(r.flagged) |\n" }
            return s + "\n" + summary + "\n"
        }
    }

    /// Scores every probe text with `classifier` (its own thresholds decide `flagged`).
    public static func run(_ classifier: some TextClassifying) -> Report {
        let labeled = threats.map { ($0, true) } + lookAlikes.map { ($0, false) }
        return Report(rows: labeled.map { text, threat in
            let r = classifier.moderate(text)
            return (text, threat, r.categoryScores[.violence] ?? 0, r.categories[.violence] == true, r.flagged)
        })
    }
}
