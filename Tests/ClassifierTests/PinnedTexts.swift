/// Texts whose scores under the shipped model are pinned in `ScorePinTests` (short ones, one just
/// over a window, long documents whose windows split rule phrases, non-ASCII text). Deterministic:
/// the long ones come from a fixed word list and a fixed linear congruential generator.
enum PinnedTexts {
    static let short: [String] = [
        "I will kill you",
        "you stupid idiot, kill yourself",
        "Could you suggest a recipe for a vegetable soup for dinner?",
        "All immigrants are filthy vermin and should be exterminated",
        "He was dismembered and his entrails spilled out in a pool of blood",
        "she is only 12 years old and he sent her naked pictures of himself",
        "I want to end my life tonight, I have the pills ready",
        "",
    ]

    /// Just over one window (two windows), like the gateway benchmark's 1 KB input.
    static let report = String(String(repeating: "Please summarise the quarterly report and list the three main risks for the team. ", count: 13).prefix(1024))

    static let vocab = ("the a of to and in is it you that he was for on are with as I his they be at one have this from " +
        "kill hate stupid idiot die attack gun knife blood love beautiful friend happy school family travel recipe python code " +
        "little girl 15yo years old 12 year sexy naked nude dismembered entrails pool of guts burned alive slit throat " +
        "Muslims immigrants vermin exterminate suicide pills cut myself worthless slut").split(separator: " ").map(String.init)

    /// A deterministic document of about `chars` characters.
    static func document(chars: Int, seed: UInt64) -> String {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var s = ""
        while s.utf8.count < chars {
            var w = vocab[Int(next() % UInt64(vocab.count))]
            if next() % 10 == 0 { w = w.capitalized }
            s += w
            s += next() % 12 == 0 ? ". " : " "
        }
        return s
    }

    static var long: [String] {
        [document(chars: 5000, seed: 1), document(chars: 5000, seed: 2), document(chars: 12000, seed: 3),
         String(repeating: "Le café était plein, ils ont dit qu'ils allaient le tuer. Élève de 14 ans. ", count: 40)]
    }

    static var all: [String] { short + [report] + long }
}
