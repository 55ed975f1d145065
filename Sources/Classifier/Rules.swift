import Foundation

/// Rules written by the project for the two categories the public data has no positives for.
///
/// - `sexual/minors` = `sexual` score × `minorIndicator` (0…1): explicit words for minors,
///   ages under 18 written as digits or words next to "year(s) old" / "yo" / "aged", school grades.
/// - `violence/graphic` = `violence` score × `goreIndicator` (0…1): similarity to a set of gore
///   descriptors (1 − e^(−Σ weights of matched descriptors)).
///
/// Both read the normalized tokens (after leetspeak, homoglyph and spacing repair), so the same
/// evasion that the model resists does not get past the rules.
public enum SafetyRules {
    /// Words that by themselves indicate a minor (weight 1) or probably do (weight < 1).
    static let minorWords: [String: Float] = [
        "child": 1, "children": 1, "childs": 1, "kid": 1, "kids": 1, "kiddie": 1, "kiddy": 1,
        "minor": 1, "minors": 1, "underage": 1, "underaged": 1, "preteen": 1, "preteens": 1,
        "prepubescent": 1, "pubescent": 1, "toddler": 1, "toddlers": 1, "infant": 1, "infants": 1,
        "schoolgirl": 1, "schoolgirls": 1, "schoolboy": 1, "schoolboys": 1, "loli": 1, "lolis": 1,
        "lolicon": 1, "shota": 1, "shotacon": 1, "jailbait": 1, "pedo": 1, "pedos": 1, "paedo": 1,
        "pedophile": 1, "paedophile": 1, "pedophilia": 1, "paedophilia": 1, "cp": 0.6,
        "teen": 0.8, "teens": 0.8, "teenage": 0.8, "teenager": 0.8, "teenagers": 0.8, "tween": 1,
        "tweens": 1, "youngster": 0.8, "youngsters": 0.8, "juvenile": 0.8, "juveniles": 0.8,
        "boyhood": 0.6, "girlhood": 0.6, "babysitter": 0.5, "babysitting": 0.5,
        "stepdaughter": 0.6, "daughter": 0.5, "niece": 0.5, "nephew": 0.5, "son": 0.3,
        "highschool": 0.8, "kindergarten": 1, "kindergartner": 1, "elementary": 0.6, "pupil": 0.6,
        "pupils": 0.6, "grader": 0.9, "graders": 0.9, "middleschool": 0.9, "puberty": 0.8,
    ]

    /// Two-word phrases (normalized tokens) and their weight.
    static let minorPhrases: [String: Float] = [
        "little girl": 1, "little girls": 1, "little boy": 1, "little boys": 1, "young girl": 0.8,
        "young girls": 0.8, "young boy": 0.8, "young boys": 0.8, "high school": 0.8,
        "middle school": 0.9, "grade school": 1, "primary school": 1, "elementary school": 1,
        "junior high": 0.9, "under age": 1, "under 18": 1, "under eighteen": 1, "not 18": 0.8,
        "barely legal": 0.5, "school uniform": 0.5,
    ]

    static let numberWords: [String: Int] = [
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
        "fifteen": 15, "sixteen": 16, "seventeen": 17,
        "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
        "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    ]

    static let ageUnits: Set<String> = ["yo", "yr", "yrs", "year", "years", "y", "yearold", "yearolds"]
    static let gradeWords: Set<String> = ["grade", "grader", "graders", "form", "year"]

    /// 0…1: how strongly the tokens indicate that a minor is involved.
    public static func minorIndicator(_ words: [String]) -> Float {
        var best: Float = 0
        for (i, w) in words.enumerated() {
            if let v = minorWords[w] { best = max(best, v) }
            if i + 1 < words.count, let v = minorPhrases[w + " " + words[i + 1]] { best = max(best, v) }
            if best >= 1 { return 1 }
            // "15yo", "12yr", "14yrs"
            if let age = leadingAge(w), age.rest.isEmpty == false, ageUnits.contains(age.rest), age.value < 18 {
                return 1
            }
            // "15 yo", "fifteen year old", "15 years old", "aged 15", "age 12"
            if let n = Int(w) ?? numberWords[w], n > 0, n < 18 {
                if i + 1 < words.count, ageUnits.contains(words[i + 1]) {
                    // "5 years ago" / "3 years of experience": require "old" or a unit like "yo".
                    let unit = words[i + 1]
                    if unit == "yo" || unit == "yr" || unit == "yrs" || unit == "y" || unit == "yearold" {
                        return 1
                    }
                    if i + 2 < words.count, words[i + 2] == "old" || words[i + 2] == "olds" { return 1 }
                }
                if i > 0, words[i - 1] == "aged" || words[i - 1] == "age" { return 1 }
                // "8th grade", "grade 7"
                if i + 1 < words.count, words[i + 1] == "grade" || words[i + 1] == "grader" { return 1 }
                if i > 0, words[i - 1] == "grade" { return 1 }
            }
            if let g = leadingAge(w), ["th", "st", "nd", "rd"].contains(g.rest), g.value <= 12,
               i + 1 < words.count, words[i + 1] == "grade" || words[i + 1] == "grader" || words[i + 1] == "graders" {
                return 1
            }
        }
        return best
    }

    /// Splits "15yo" into (15, "yo").
    static func leadingAge(_ w: String) -> (value: Int, rest: String)? {
        var digits = 0
        var value = 0
        for u in w.unicodeScalars {
            guard u.value >= 0x30, u.value <= 0x39 else { break }
            digits += 1
            value = value * 10 + Int(u.value - 0x30)
            if digits > 3 { return nil }
        }
        guard digits > 0 else { return nil }
        return (value, String(w.unicodeScalars.dropFirst(digits)))
    }

    /// Gore descriptors written by the project: word stems (prefix match on a token) with weights.
    static let goreStems: [(String, Float)] = [
        ("gore", 1), ("gory", 1), ("dismember", 1.2), ("disembowel", 1.5), ("entrail", 1.5),
        ("intestine", 1), ("innards", 1.2), ("viscera", 1.5), ("eviscerat", 1.5), ("decapitat", 1.2),
        ("behead", 1), ("mutilat", 1.2), ("severed", 1), ("splatter", 1), ("spatter", 1),
        ("gushing", 0.6), ("gushed", 0.6), ("spurting", 0.8), ("spurted", 0.8), ("flayed", 1.2),
        ("skinned", 0.6), ("maggot", 0.8), ("putrid", 0.6), ("rotting", 0.6), ("decompos", 0.6),
        ("mangled", 1), ("gouged", 1), ("impaled", 1), ("charred", 0.6), ("brains", 0.6),
        ("bloodbath", 1), ("bloodsoaked", 1), ("bloody", 0.4), ("blood", 0.35), ("bled", 0.35),
        ("bleeding", 0.35), ("gash", 0.6), ("corpse", 0.4), ("carcass", 0.4), ("torso", 0.4),
        ("flesh", 0.5), ("guts", 0.8), ("skull", 0.4), ("organs", 0.5), ("crushed", 0.3),
        ("tortur", 0.5), ("slaughter", 0.5), ("butcher", 0.5), ("dissect", 0.5), ("limbs", 0.4),
        ("headless", 0.8), ("burned alive", 0), // phrase handled below
    ]

    static let gorePhrases: [String: Float] = [
        "burned alive": 1.2, "burnt alive": 1.2, "skinned alive": 1.5, "ripped open": 1, "torn apart": 0.8,
        "torn open": 1, "pool of": 0.4, "exposed bone": 1.5, "bone protruding": 1.5, "brain matter": 1.5,
        "cut open": 0.8, "slit throat": 1.2, "slit his": 0.8, "slit her": 0.8, "eyes gouged": 1.5,
        "blood everywhere": 1, "body parts": 1, "spilled out": 0.8, "spilling out": 0.8, "hacked to": 1,
        "chopped up": 0.8, "bits of": 0.3,
    ]

    /// 0…1: similarity of the tokens to the gore descriptors.
    public static func goreIndicator(_ words: [String]) -> Float {
        var total: Float = 0
        for (i, w) in words.enumerated() {
            var best: Float = 0
            for (stem, weight) in goreStems where weight > 0 && w.hasPrefix(stem) { best = max(best, weight) }
            total += best
            if i + 1 < words.count, let v = gorePhrases[w + " " + words[i + 1]] { total += v }
        }
        return 1 - expf(-total)
    }
}
