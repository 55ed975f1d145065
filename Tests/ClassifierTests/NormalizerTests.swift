import Testing
@testable import Classifier

@Suite("Normalization")
struct NormalizerTests {
    func norm(_ s: String) -> String { TextNormalizer.normalize(s).string }

    @Test func caseFoldingAndPunctuation() {
        #expect(norm("Hello, WORLD!!  How are you?") == "hello world how are you")
        #expect(norm("don't") == "dont")
        #expect(norm("") == "")
        #expect(norm("   \n\t ") == "")
    }

    @Test func compatibilityFolding() {
        #expect(norm("ＫＩＬＬ") == "kill")          // full-width
        #expect(norm("ﬁght") == "fight")             // ligature
        #expect(norm("kíll thé ñaïve") == "kill the naive") // diacritics
        #expect(norm("ⓚⓘⓛⓛ") == "kill")              // circled letters
        #expect(norm("𝐤𝐢𝐥𝐥") == "kill")              // mathematical bold
    }

    @Test func zeroWidthAndControlCharactersRemoved() {
        #expect(norm("ki\u{200B}ll") == "kill")
        #expect(norm("k\u{200D}i\u{2060}l\u{FEFF}l") == "kill")
        #expect(norm("ha\u{00AD}te") == "hate")      // soft hyphen
        #expect(norm("a\u{0007}b") == "ab")
        #expect(norm("i\u{202E}diot") == "idiot")    // bidi override
    }

    @Test func homoglyphs() {
        #expect(norm("kіll") == "kill")              // Cyrillic і
        #expect(norm("НАТЕ") == "hate")              // Cyrillic Н А Т Е
        #expect(norm("ѕtuріd") == "stupid")          // Cyrillic ѕ р і
        #expect(norm("ΚΙΛΛ") != "kill")              // Λ is not an l look-alike
        #expect(norm("ΚΙΤ") == "kit")                // Greek capitals
    }

    @Test func leetspeak() {
        #expect(norm("k1ll") == "kill")
        #expect(norm("h4te") == "hate")
        #expect(norm("1d10t") == "idiot")
        #expect(norm("@ss") == "ass")
        #expect(norm("$hit") == "shit")
        #expect(norm("a$$hole") == "asshole")
        #expect(norm("st00pid") == "stoopid")
        #expect(norm("b1tch") == "bitch")
        // Not inside words: numbers and common alphanumerics are kept.
        #expect(norm("covid19 mp3 10am 2024 15yo 4k") == "covid19 mp3 10am 2024 15yo 4k")
        #expect(norm("I paid $5") == "i paid $5")
    }

    @Test func spacedOutLetters() {
        #expect(norm("k i l l yourself") == "kill yourself")
        #expect(norm("k.i.l.l") == "kill")
        #expect(norm("k-i-l-l them") == "kill them")
        #expect(norm("I am a student") == "i am a student")   // short runs are left alone
        #expect(norm("k 1 l l") == "kill")
        #expect(norm("d\ni\ne") == "d i e")                  // newlines break runs
    }

    @Test func repeatedLetters() {
        #expect(norm("kiiiiill") == "kill")
        #expect(norm("fuuuuuck") == "fuck")
        #expect(norm("sooooo goood") == "soo good")
        #expect(norm("killllll") == "kill")
        #expect(norm("diiiie") == "die")
        #expect(norm("kill") == "kill")
        #expect(norm("1000 people") == "1000 people")        // digits are not collapsed
    }

    @Test func combinedEvasion() {
        #expect(norm("Y0u  ＩＤＩＯＴ, k i i i l l  yourself!!!") == "you idiot kill yourself")
        #expect(norm("І wіll k1lllll y0u") == "i will kil you" || norm("І wіll k1lllll y0u") == "i will kill you")
    }

    @Test func tokensMatchScalars() {
        let n = TextNormalizer.normalize("Hello there, big world")
        #expect(n.words == ["hello", "there", "big", "world"])
        #expect(n.slice(tokens: 1..<3).string == "there big")
    }
}
