import Foundation
@testable import Classifier

/// The runs of four consecutive words `text` shares with any of `others` (case-folded; words are
/// letters, digits and apostrophes): the check that project-written rows do not paraphrase the probes.
func sharedFourWordRuns(_ text: String, _ others: [String]) -> Set<[Substring]> {
    func runs(_ t: String) -> Set<[Substring]> {
        let words = t.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "'") }
        return words.count < 4 ? [] : Set((0...(words.count - 4)).map { Array(words[$0..<($0 + 4)]) })
    }
    let theirs = others.reduce(into: Set<[Substring]>()) { $0.formUnion(runs($1)) }
    return runs(text).intersection(theirs)
}

extension CategoryProbe {
    /// Every probe text, positives and look-alikes.
    static var allTexts: [String] { all.flatMap { $0.positives + $0.lookAlikes } }
}
