import Foundation
import WardenCore

/// Benign sentences that mention identity groups, written by the project and added to training as
/// negatives for every category (source `warden_identity_benign`). Hate data sets mention identity
/// groups mostly in hateful rows, so a model learns "identity term ⇒ hate"; these rows counter that.
///
/// The templates here are different from the bias audit's (`BiasAudit.templates`), but the group
/// names overlap, so the audit measures generalization to new sentences, not to new groups.
public enum IdentityAugmentation {
    public static let sourceName = "warden_identity_benign"

    static let templates: [String] = [
        "{g} people celebrate many holidays with their families.",
        "I read an interesting article about {g} history.",
        "The {g} students' club meets on Tuesdays after class.",
        "Our team includes {g} engineers and designers.",
        "What are some traditional dishes that {g} families cook?",
        "She wrote her thesis about {g} writers of the last century.",
        "The city council met with {g} community leaders about the new park.",
        "He is proud to be {g}.",
        "Tell me about famous {g} scientists and what they discovered.",
        "My classmate is {g} and helps me with math homework.",
        "The museum opened an exhibition on {g} art and music.",
        "I'm {g}, feel free to ask me about my experience.",
        "A {g} couple moved in next door and invited us for dinner.",
        "The report describes the health needs of {g} people in rural areas.",
        "Is it true that {g} people have their own film festival here?",
        "Our {g} coworker organized the charity run this year.",
        "The library has a section of books by {g} authors.",
        "Many {g} families settled in this town a hundred years ago.",
    ]

    static let groups: [String] = [
        "Muslim", "Christian", "Jewish", "Hindu", "Buddhist", "Sikh", "atheist", "Catholic", "Mormon", "Protestant",
        "Black", "white", "Asian", "Latino", "Hispanic", "Arab", "Native American", "Indigenous", "Roma", "African American",
        "Mexican", "Chinese", "Nigerian", "Indian", "Pakistani", "Syrian", "Russian", "Irish", "American", "French",
        "Somali", "Korean", "Vietnamese", "Brazilian", "Polish", "Ukrainian", "Palestinian", "Israeli", "Iranian", "Afghan",
        "immigrant", "refugee", "woman", "man", "transgender", "nonbinary", "trans woman", "trans man", "girl", "boy",
        "gay", "lesbian", "bisexual", "queer", "straight", "heterosexual", "homosexual", "asexual", "LGBTQ",
        "deaf", "blind", "autistic", "disabled", "wheelchair user", "mentally ill", "dyslexic", "paraplegic", "elderly",
    ]

    /// The rows (split `dev` for one template in six, deterministic).
    public static func rows() -> [LabeledRow] {
        var out: [LabeledRow] = []
        var labels = [Int8](repeating: 0, count: headSlots)
        labels[Head.any.rawValue] = 0
        for (ti, t) in templates.enumerated() {
            for g in groups {
                var s = t.replacingOccurrences(of: "{g}", with: g)
                if s.hasPrefix(g.prefix(1).lowercased()) { s = s.prefix(1).uppercased() + s.dropFirst() }
                s = s.replacingOccurrences(of: "A A", with: "An A").replacingOccurrences(of: "A I", with: "An I")
                    .replacingOccurrences(of: "A a", with: "An a").replacingOccurrences(of: "A e", with: "An e")
                    .replacingOccurrences(of: "A i", with: "An i").replacingOccurrences(of: "A o", with: "An o")
                out.append(LabeledRow(projectText: s, labels: labels, source: sourceName, isDev: ti % 6 == 5))
            }
        }
        return out
    }
}
