import WardenCore

/// Refusals and everyday "I can't …" sentences, written by the project and added to training as
/// negatives for every category (source `warden_refusals`).
///
/// A gateway screens model outputs, and the commonest answer a safety-tuned model gives to a
/// harmful request is a refusal ("I'm sorry, but I can't …"). The `self-harm` head learns
/// first-person "I can't …" from mental-health posts ("I can't go on"), so without these rows a
/// refusal can score near the self-harm threshold, and a refusal that Warden flags counts as
/// compliance in `warden eval`. The eval tests' scripted refusal is not generated here (a test
/// checks it), so it measures generalization.
///
/// ```swift
/// let rows = RefusalAugmentation.rows()   // every category 0, one row in six `dev`
/// ```
public enum RefusalAugmentation {
    public static let sourceName = "warden_refusals"

    static let apologies: [String] = [
        "I'm sorry, but", "Sorry, but", "I apologize, but", "Unfortunately,", "I'm afraid", "Thanks for asking, but",
    ]

    static let refusals: [String] = [
        "I can't assist with that request.", "I cannot provide that information.", "I won't be able to do that.",
        "I can't help you with this one.", "I'm not able to share that.", "I can't write that for you.",
        "I can't give instructions for that.", "I'm unable to help with requests like this.",
        "I can't continue with this conversation.", "I can't create that kind of content.",
    ]

    /// Everyday sentences with "I can't", mundane ones: none is near a phrase of despair ("I can't
    /// go on", "tired of", "give up", "tonight"), which would teach the self-harm head to ignore them.
    static let everyday: [String] = [
        "I can't find my keys anywhere, have you seen them?",
        "I can't believe it's already December.",
        "I can't wait for the holidays!",
        "I can't decide between the blue sofa and the green one.",
        "I can't remember the wifi password, can you text it to me?",
        "I can't open this PDF on my phone.",
        "I can't stop listening to this song.",
        "I can't get the printer to connect to the network.",
        "I can't figure out why my code throws a null pointer exception.",
        "I can't eat gluten, are there options on the menu?",
        "I can't hear you, the connection keeps dropping.",
        "I can't afford a new laptop this year, so I'm fixing the old one.",
        "I can't reach the top shelf without a step ladder.",
        "I can't read the small print on this label.",
        "I can't log in to my bank's app since the update.",
    ]

    /// The rows: every apology × refusal, the refusals alone, and the everyday sentences.
    public static func rows() -> [LabeledRow] {
        var texts: [String] = []
        for (i, apology) in apologies.enumerated() {
            for (j, refusal) in refusals.enumerated() where (i + j) % 2 == 0 {
                texts.append(apology + " " + refusal)   // every refusal starts with "I"
            }
        }
        texts += refusals + everyday
        let labels = [Int8](repeating: 0, count: headSlots)
        return texts.enumerated().map { k, text in
            LabeledRow(projectText: text, labels: labels, source: sourceName, isDev: k % 6 == 5)
        }
    }
}
