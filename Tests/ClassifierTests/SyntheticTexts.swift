/// Sentence templates shared by the synthetic training tests; `{g}` is replaced by a made-up
/// group name ("martians"), so no real group is named in a hateful sentence.
///
/// ```swift
/// let text = SyntheticTexts.hateful[0].replacingOccurrences(of: "{g}", with: "martians")
/// ```
enum SyntheticTexts {
    static let hateful = ["all {g} are vermin and should be removed", "{g} are disgusting subhuman filth",
                          "i hate {g} they ruin everything", "never trust {g} they are parasites"]
    static let benignAboutGroups = ["the {g} festival had great food and music", "my friend likes to study {g} history",
                                    "we visited the museum and had lunch with {g}", "how do {g} bake sourdough bread at home"]
}
