@testable import Policy
import Testing

@Suite struct CadenceTests {
    @Test func sentenceEndsTriggerARescoreAtTheEndOfTheChunk() {
        var c = StreamScreenCadence(everyChars: nil, atSentenceEnd: true, windowChars: 1000)
        #expect(c.feed("Hello").isEmpty)
        #expect(c.feed(" world. And") == [ScreenWindow(text: "Hello world. And", end: 16, reason: .sentenceEnd)])
        #expect(c.feed(" more").isEmpty)
        #expect(c.unscoredCharacters == 5)
        #expect(c.finish() == ScreenWindow(text: "Hello world. And more", end: 21, reason: .streamEnd))
    }

    @Test func tailIsScoredAtStreamEndAndOnlyOnce() {
        var c = StreamScreenCadence(everyChars: 100, atSentenceEnd: false, windowChars: 100)
        #expect(c.feed(String(repeating: "a", count: 50)).isEmpty)
        #expect(c.finish()?.text == String(repeating: "a", count: 50))
        var done = StreamScreenCadence(everyChars: 5, atSentenceEnd: false, windowChars: 5)
        #expect(done.feed("abcde").map(\.end) == [5])
        #expect(done.finish() == nil)
        var empty = StreamScreenCadence(everyChars: 5, atSentenceEnd: true, windowChars: 5)
        #expect(empty.finish() == nil)
    }

    @Test func aLongChunkIsCutSeveralTimesWithSlidingWindows() {
        var c = StreamScreenCadence(everyChars: 10, atSentenceEnd: false, windowChars: 15)
        let text = "abcdefghijklmnopqrstuvwxyz0123456789"   // 36 characters
        let windows = c.feed(text)
        #expect(windows.map(\.end) == [10, 20, 30])
        #expect(windows.map(\.text) == ["abcdefghij", "fghijklmnopqrst", "pqrstuvwxyz0123"])
        #expect(windows.allSatisfy { $0.reason == .characterBudget })
        #expect(c.finish() == ScreenWindow(text: "vwxyz0123456789", end: 36, reason: .streamEnd))
    }

    @Test func windowIsNeverSmallerThanTheBudget() {
        let c = StreamScreenCadence(everyChars: 300, atSentenceEnd: true, windowChars: 100)
        #expect(c.windowChars == 300)
        #expect(StreamScreenCadence(StreamScreening(rescoreEveryChars: 0, windowChars: 0)).everyChars == 1)
    }

    /// Random chunkings of random text (emoji, combining marks, CJK punctuation, newlines):
    /// at most N characters between scorings, the whole text covered at the end, and every window
    /// is exactly the last W characters of the text before its cut.
    @Test func atMostNCharactersArriveBetweenScorings() {
        var g = SeededGenerator(seed: 42)
        let alphabet: [String] = ["a", "b", " ", ".", "!", "\n", "é", "e\u{301}", "👍🏽", "。", "x", "y", "z"]
        for _ in 0..<500 {
            let n = Int.random(in: 1...120, using: &g)
            let w = n + Int.random(in: 0...200, using: &g)
            var c = StreamScreenCadence(everyChars: n, atSentenceEnd: Bool.random(using: &g), windowChars: w)
            var full: [Unicode.Scalar] = []
            var ends: [Int] = []
            func check(_ window: ScreenWindow) {
                let expected = full[max(0, window.end - w)..<window.end]
                #expect(Array(window.text.unicodeScalars) == Array(expected))
                ends.append(window.end)
            }
            for _ in 0..<Int.random(in: 0...40, using: &g) {
                let size = Int.random(in: 0...(3 * n), using: &g)
                let delta = (0..<size).map { _ in alphabet.randomElement(using: &g)! }.joined()
                let before = full.count
                full.append(contentsOf: delta.unicodeScalars)
                let windows = c.feed(delta)
                for window in windows {
                    #expect(window.end > before && window.end <= full.count)
                    check(window)
                }
            }
            if let last = c.finish() { check(last) }
            if full.isEmpty { #expect(ends.isEmpty); continue }
            #expect(ends.last == full.count)
            var previous = 0
            for end in ends {
                #expect(end > previous)
                #expect(end - previous <= n, "gap \(end - previous) > N = \(n)")
                previous = end
            }
        }
    }

    @Test func memoryStaysBoundedOnLongStreams() {
        var c = StreamScreenCadence(everyChars: 50, atSentenceEnd: true, windowChars: 200)
        for i in 0..<5_000 { _ = c.feed("chunk \(i) of text. ") }
        #expect(c.charactersSeen > 90_000)
        #expect(c.tail.count <= 3 * 200 + 50)
    }
}

@Suite struct CadenceTextTests {
    @Test func windowsKeepEveryScalarWhateverItsUTF8Length() {
        let text = "héllo → 世界 🎉 ok. Zwei Wörter… done"
        var cadence = StreamScreenCadence(everyChars: 1_000, atSentenceEnd: false, windowChars: 1_000)
        for scalar in text.unicodeScalars { #expect(cadence.feed(String(scalar)).isEmpty) }
        #expect(cadence.finish()?.text == text)
        var small = StreamScreenCadence(everyChars: 5, atSentenceEnd: false, windowChars: 5)
        let windows = small.feed(text)
        #expect(windows.first?.text == "héllo")
        #expect(windows.dropFirst().first?.text == " → 世界")
        #expect(windows.dropFirst(2).first?.text == " 🎉 ok")
    }
}
