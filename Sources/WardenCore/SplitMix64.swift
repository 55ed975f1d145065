/// A small, fast, seedable generator (SplitMix64): the same sequence for the same seed on every
/// platform, so training, sampling, bootstrap intervals and property tests are reproducible. Its
/// state is one integer, so it can be checkpointed (`Codable`).
///
/// ```swift
/// var rng = SplitMix64(seed: 7)
/// rng.next()                 // same sequence for the same seed
/// rng.index(below: 10)       // a uniform index in 0..<10
/// [1, 2, 3].shuffled(using: &rng)
/// ```
public struct SplitMix64: RandomNumberGenerator, Codable, Sendable, Equatable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A uniform index in 0..<n (n > 0), by Lemire's multiply-shift (negligible bias for small n).
    public mutating func index(below n: Int) -> Int {
        Int(next().multipliedFullWidth(by: UInt64(n)).high)
    }
}
