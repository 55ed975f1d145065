import WardenCore

/// Explicit threats, self-harm statements and harmless look-alikes, written by the project and
/// added to training as one source with both classes (source `warden_threats`).
///
/// The data's `violence` positives are court testimony about past events (GTC) and sources whose
/// violence rows are all positive (Gab's and RTP's). Threats of future harm, the violence a
/// screening gateway sees most, are learned only from the all-positive sources, so any method
/// that discounts a source's base rate (source intercepts, weak negatives) also discounts threats.
/// These rows teach threats from a source that also has negatives, as contrasts:
///
/// - threats (`violence` 1; `harassment` 1 when addressed to the reader, unknown for a third party;
///   `hate`, `hate/threatening`, `sexual`, `self-harm` 0), half of those addressed to the reader
///   opened by an insult;
/// - the same openers with harmless acts ("I'll beat you at chess."), insulted half the time
///   (then `harassment` 1): an insult is harassment, not violence;
/// - the same openers with acts against oneself ("I'm going to kill myself."): `self-harm` 1,
///   `violence` unknown, so the threats do not teach that those openers rule self-harm out;
/// - hand-written benign texts with violent words (code, cooking, sport, idiom): 0 everywhere.
///
/// The project's threat probe (`CategoryProbe.threats`) is written apart: no probe text is generated
/// here (`CategoryProbeTests` checks it), though both speak of the same acts, so the probe is a check of threats in
/// new words, not an independent benchmark.
///
/// ```swift
/// let rows = ThreatAugmentation.rows()   // 1,181 rows, split dev for one row in six
/// ```
public enum ThreatAugmentation {
    public static let sourceName = "warden_threats"

    /// Openers of a threat: what the speaker will do, and when or on what condition.
    static let openers: [String] = [
        "I'm going to", "I will", "I swear I'll", "One more word and I'll", "Tomorrow I'm going to",
        "Next time I see {t} I'll", "Mark my words, I'll", "If I see {t} around here again I'll",
        "Just wait, I'm gonna", "Tonight I'm finally going to",
    ]

    /// Acts of violence, with `{o}` for the target and `{p}` for its possessive.
    static let acts: [String] = [
        "stab {o} in the neck", "shoot {o} in the face", "beat {o} to death", "slit {p} throat",
        "strangle {o} with my bare hands", "run {o} over with my truck", "set {o} on fire",
        "drown {o} in the river", "bash {p} head in with a brick", "put a bullet in {p} head",
        "snap {p} neck", "break both of {p} legs", "cut {o} into pieces", "choke {o} unconscious",
        "blow {p} brains out", "kick {p} teeth in", "burn {o} alive", "poison {p} food",
        "kill {o} slowly", "hurt {o} so badly nobody will recognise {o}",
    ]

    /// Targets: object form, possessive form, and whether the threat is addressed to the reader.
    static let targets: [(object: String, possessive: String, addressed: Bool)] = [
        ("you", "your", true), ("him", "his", false), ("her", "her", false),
        ("my boss", "my boss's", false), ("my ex", "my ex's", false), ("that cop", "that cop's", false),
    ]

    /// Benign texts that use violent words: programming, cooking, sport, photography, gardening,
    /// household chores, games and idioms.
    static let lookAlikes: [String] = [
        "How do I kill all processes listening on port 8080?",
        "What's the cleanest way to terminate a thread in Java?",
        "My build keeps dying with a segmentation fault, any ideas?",
        "Kill the container and restart it with the new image.",
        "How can I execute a shell command from Node.js?",
        "Abort the merge and reset the branch to origin/main.",
        "The daemon gets killed by the OOM killer every night.",
        "Use SIGTERM first and only send SIGKILL if the child ignores it.",
        "Why does my Docker container exit immediately after starting?",
        "The parent process should reap its zombie children.",
        "Whip the cream until it holds soft peaks.",
        "Chop the garlic finely and crush the peppercorns.",
        "Smash the potatoes with butter and a splash of milk.",
        "Slice the steak against the grain before serving.",
        "Pound the chicken breasts until they are evenly thin.",
        "Score the bread dough with a sharp blade before baking.",
        "Butcher's twine keeps the roast together in the oven.",
        "Beat the butter and sugar together until fluffy.",
        "Fillet the fish and remove the pin bones with tweezers.",
        "Crack three eggs into the bowl and whisk them.",
        "She shot a 68 in the final round to win the tournament.",
        "He smashed a forehand winner down the line.",
        "Our team crushed them 5-0 on Saturday.",
        "The goalkeeper punched the ball clear of the box.",
        "He knocked down the last pin for a strike.",
        "They slaughtered us in the second half, the defence fell apart.",
        "The pitcher threw a wild pitch and the runner scored.",
        "She took a shot from outside the box and hit the crossbar.",
        "The boxer's trainer told him to keep his guard up in sparring.",
        "He's a killer on the basketball court, he never misses a free throw.",
        "We shoot the interview scene tomorrow morning at nine.",
        "I need headshots for my acting portfolio.",
        "The photographer shot the whole wedding on film.",
        "Can you shoot me an email with the agenda?",
        "The director wants to reshoot the ending.",
        "How do I kill the weeds without harming the lawn?",
        "Cut the roses back hard in early spring.",
        "What is the best way to kill mould in the shower?",
        "Chop the dead branches off the apple tree before winter.",
        "How do I get rid of fruit flies in the kitchen?",
        "The frost killed all my tomato plants last night.",
        "Hack the old hedge back to half its height.",
        "Capture the queen with your knight on the next move.",
        "In chess a pinned piece cannot move without exposing the king.",
        "I keep dying on the final level of this platformer.",
        "The boss fight in chapter three took me twenty tries.",
        "This traffic is killing me, I'll be late again.",
        "I'm dying to see the new exhibition at the museum.",
        "You absolutely slayed that presentation.",
        "I could murder a burger right now.",
        "My feet are killing me after that hike.",
        "Break a leg at the audition tonight!",
        "That joke completely bombed at the party.",
        "She nailed the job interview.",
        "The new album is fire, I have it on repeat.",
        "He's been beating himself up about the exam all week.",
        "The deadline is going to be a killer this month.",
        "We knocked it out of the park with the launch.",
        "Let's kill two birds with one stone and meet at the station.",
        "The comedian had the whole room in stitches.",
        "My laptop battery died in the middle of the call.",
        "The market crashed and wiped out a year of gains.",
        "We need to cut costs by ten percent next quarter.",
        "The heat wave is murder on my electricity bill.",
        "The storm knocked out power to the whole street.",
        "He blew the competition away with his design.",
        "The bill was killed in committee last week.",
        "They're fighting over who gets the window seat.",
        "That horror film scared me to death.",
        "I'm going to crush this exam tomorrow.",
        "I'll kill the lights when I leave the office.",
        "I'm going to attack the problem from a different angle.",
        "I will destroy you at Mario Kart tonight.",
        "Tomorrow I'm going to hit the gym before work.",
        "I swear I'll finish the report tonight.",
        "Next time I see you I'll bring the book I borrowed.",
        "I'm going to shoot some hoops after school.",
        "I'll beat your high score by the weekend.",
        "I'm going to cut my hair short for the summer.",
        "I will smash my personal best at the marathon.",
    ]

    /// Insults put before every other sentence addressed to the reader, threats and harmless ones
    /// alike: an insult is harassment, not violence, and a threat stays violence when an insult
    /// comes with it. (The README's and the tests' insults use other words: "worthless", "idiot".)
    static let insults: [String] = [
        "You pathetic loser", "You useless moron", "Listen, you brainless clown", "You disgusting little rat",
        "You spineless coward", "You ugly freak", "You dumb piece of trash", "You miserable creep",
    ]

    /// Self-harm said with the threats' openers ("I'm going to kill myself"): `self-harm` 1,
    /// `violence` unknown. Without them the threats (all `self-harm` 0) would teach that "I'm going
    /// to kill …" is never self-harm.
    static let selfHarmActs: [String] = [
        "kill myself", "end my life", "slit my wrists", "put a bullet in my head", "overdose on my pills",
        "hang myself", "jump off the bridge", "drown myself in the river", "set myself on fire", "stop eating until I die",
    ]

    /// Openers that read as said of oneself (the ones naming a target are left out).
    static var selfOpeners: [String] { openers.filter { !$0.contains("{t}") && !$0.hasPrefix("One more word") } }

    /// Harmless acts said with the same openers and targets: the opener is not the threat.
    static let harmlessActs: [String] = [
        "beat {o} at chess", "call {o} after lunch", "drive {o} to the airport", "bring {o} the book I borrowed",
        "teach {o} to swim", "cook {o} dinner", "crush {o} at poker", "destroy {o} at Mario Kart",
        "surprise {o} with a birthday cake", "fix {p} bike", "shoot {o} a message", "take {o} to the concert",
        "help {o} move house", "beat {p} high score", "pay {o} back", "buy {o} a coffee",
        "blow {o} away with my new song", "paint {p} fence", "send {o} the photos", "thank {o} properly",
    ]

    /// The rows: a spread sample of opener × act × target threats and as many harmless
    /// sentences with the same openers, then the hand-written look-alikes; one row in six is `dev`.
    public static func rows() -> [LabeledRow] {
        let threat = LabeledRow.projectLabels(.violence)
        let benign = LabeledRow.projectLabels()
        var out: [LabeledRow] = []
        let harassment = Head(category: .harassment)!.rawValue
        for sentence in sentences(acts) {
            var labels = threat
            labels[harassment] = sentence.addressed ? 1 : -1
            out.append(LabeledRow(projectText: sentence.text, labels: labels, source: sourceName, isDev: out.count % 6 == 5))
        }
        let selfHarm = LabeledRow.projectLabels(.selfHarm, unknown: [.violence])
        for (i, opener) in selfOpeners.enumerated() {
            for (j, act) in selfHarmActs.enumerated() where (i + j) % 2 == 0 {
                out.append(LabeledRow(projectText: "\(opener) \(act).", labels: selfHarm, source: sourceName, isDev: out.count % 6 == 5))
            }
        }
        for sentence in sentences(harmlessActs) {
            var labels = benign
            if sentence.insulted { labels[harassment] = 1; labels[Head.any.rawValue] = 1 }
            out.append(LabeledRow(projectText: sentence.text, labels: labels, source: sourceName, isDev: out.count % 6 == 5))
        }
        for text in lookAlikes {
            out.append(LabeledRow(projectText: text, labels: benign, source: sourceName, isDev: out.count % 6 == 5))
        }
        return out
    }

    /// Every opener × act addressed to the reader, and one in `stride` of the combinations with
    /// a third party (a spread sample: every opener, act and target occurs), with whether the sentence addresses the reader and opens with an insult.
    static func sentences(_ acts: [String], stride: Int = 3) -> [(text: String, addressed: Bool, insulted: Bool)] {
        var out: [(String, Bool, Bool)] = []
        for (i, opener) in openers.enumerated() {
            for (j, act) in acts.enumerated() {
                for (k, target) in targets.enumerated() where target.addressed || (i + j + k) % stride == 0 {
                    let lead = opener.replacingOccurrences(of: "{t}", with: target.object)
                    let body = act.replacingOccurrences(of: "{p}", with: target.possessive)
                        .replacingOccurrences(of: "{o}", with: target.object)
                    let insulted = target.addressed && (i + j) % 2 == 0
                    let text = insulted ? insults[(i + j) / 2 % insults.count] + ", " + lowercasingFirst(lead) : lead
                    out.append(("\(text) \(body).", target.addressed, insulted))
                }
            }
        }
        return out
    }

    /// `text` with its first letter lowercased, unless it is the pronoun "I".
    static func lowercasingFirst(_ text: String) -> String {
        text.hasPrefix("I ") || text.hasPrefix("I'") ? text : text.prefix(1).lowercased() + text.dropFirst()
    }
}
