import CEncoderKernels
import Foundation
import Testing
@testable import SentenceEncoder

/// The C kernels against naive Swift loops in Double (an independent implementation), on odd
/// sizes that exercise partial register tiles, partial panels and several K blocks.
@Suite struct KernelTests {
    struct Rng {
        var state: UInt64
        mutating func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 41) % 2001 - 1000) / 1000   // −1 … 1 in steps of 0.001
        }
        mutating func values(_ n: Int) -> [Float] { (0..<n).map { _ in next() } }
    }

    static func gelu(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }

    /// C[m×n] = A[m×k] · Wᵀ + b with W stored n×k, in Double.
    static func naiveLinear(_ a: [Float], _ w: [Float], _ b: [Float], m: Int, k: Int, n: Int, gelu: Bool) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var acc = Double(b[j])
                for kk in 0..<k { acc += Double(a[i * k + kk]) * Double(w[j * k + kk]) }
                c[i * n + j] = gelu ? Self.gelu(acc) : acc
            }
        }
        return c
    }

    static let sizes: [(m: Int, k: Int, n: Int)] = [(1, 1, 1), (7, 13, 5), (65, 385, 17), (6, 16, 16), (13, 1, 33), (100, 600, 47), (12, 1536, 40)]

    @Test(arguments: sizes)
    func packedLinearMatchesTheNaiveTripleLoop(_ size: (m: Int, k: Int, n: Int)) {
        var rng = Rng(state: UInt64(size.m * 1_000_003 + size.k * 1009 + size.n))
        let a = rng.values(size.m * size.k), w = rng.values(size.n * size.k), b = rng.values(size.n)
        let layer = PackedLinear(weight: w, bias: b, outputs: size.n, inputs: size.k)
        for gelu in [false, true] {
            for threads in [1, 2, 3] {
                var c = [Float](repeating: .nan, count: size.m * size.n)
                a.withUnsafeBufferPointer { ap in c.withUnsafeMutableBufferPointer { cp in
                    layer.apply(ap.baseAddress!, rows: size.m, into: cp.baseAddress!, gelu: gelu, threads: threads)
                } }
                let expected = Self.naiveLinear(a, w, b, m: size.m, k: size.k, n: size.n, gelu: gelu)
                // Float accumulation over k terms of magnitude ≤ 1: error grows like √k · 2⁻²⁴ · |terms|.
                let tolerance = 1e-6 * Double(size.k).squareRoot() * 8 + 1e-6
                let worst = zip(c, expected).map { abs(Double($0) - $1) }.max() ?? 0
                #expect(worst <= tolerance, "\(size) gelu=\(gelu) threads=\(threads): max error \(worst)")
            }
        }
    }

    /// The plain-C path (what CPUs without AVX2/FMA run) against the naive loop and the dispatching one.
    @Test func portablePathMatchesTheNaiveLoopAndTheFastPath() {
        var rng = Rng(state: 42)
        let (m, k, n) = (37, 300, 50)
        let a = rng.values(m * k), w = rng.values(n * k), b = rng.values(n)
        let layer = PackedLinear(weight: w, bias: b, outputs: n, inputs: k)
        var portable = [Float](repeating: .nan, count: m * n), fast = portable
        layer.packed.withUnsafeBufferPointer { p in
            ek_gemm_portable(a, Int32(k), Int32(m), Int32(k), p.baseAddress!, Int32(n), 0, Int32.max, &portable, Int32(n), b, EK_EPILOGUE_GELU)
        }
        a.withUnsafeBufferPointer { ap in fast.withUnsafeMutableBufferPointer { cp in
            layer.apply(ap.baseAddress!, rows: m, into: cp.baseAddress!, gelu: true)
        } }
        let expected = Self.naiveLinear(a, w, b, m: m, k: k, n: n, gelu: true)
        #expect(zip(portable, expected).allSatisfy { abs(Double($0) - $1) < 1e-4 })
        #expect(zip(fast, expected).allSatisfy { abs(Double($0) - $1) < 1e-4 })
    }

    @Test func geluMatchesErfOverItsRange() {
        let xs = stride(from: -12.0, through: 12.0, by: 0.01).map { Float($0) } + [0, -0.0, 1e-30, -1e-30, 100, -100]
        var ys = xs
        ys.withUnsafeMutableBufferPointer { ek_gelu($0.baseAddress!, $0.count) }
        for (x, y) in zip(xs, ys) {
            let expected = Self.gelu(Double(x))
            #expect(abs(Double(y) - expected) <= 2e-6 * max(1, abs(Double(x))), "gelu(\(x)) = \(y), expected \(expected)")
        }
    }

    @Test func softmaxRowsSumToOneAndMatchExp() {
        var rng = Rng(state: 7)
        for cols in [1, 3, 8, 17, 64, 257] {
            let rows = 3, lds = cols + 2
            var s = rng.values(rows * lds).map { $0 * 40 }   // large logits: tests the max subtraction
            let original = s
            s.withUnsafeMutableBufferPointer { ek_softmax_rows($0.baseAddress!, Int32(rows), Int32(cols), Int32(lds), 0.125) }
            for r in 0..<rows {
                let logits = (0..<cols).map { Double(original[r * lds + $0]) * 0.125 }
                let mx = logits.max()!
                let e = logits.map { exp($0 - mx) }, sum = e.reduce(0, +)
                for j in 0..<cols {
                    #expect(abs(Double(s[r * lds + j]) - e[j] / sum) < 1e-6, "cols \(cols) row \(r) col \(j)")
                }
                // the padding between rows is untouched
                for j in cols..<lds { #expect(s[r * lds + j] == original[r * lds + j]) }
            }
        }
    }

    @Test func residualLayerNormMatchesTheDefinition() {
        var rng = Rng(state: 9)
        let rows = 5, dim = 384
        var x = rng.values(rows * dim).map { $0 * 3 + 0.5 }
        let y = rng.values(rows * dim), gamma = rng.values(dim), beta = rng.values(dim)
        let x0 = x
        x.withUnsafeMutableBufferPointer { xp in y.withUnsafeBufferPointer { yp in
            ek_add_layernorm(xp.baseAddress!, yp.baseAddress!, Int32(rows), Int32(dim), gamma, beta, 1e-12)
        } }
        for r in 0..<rows {
            let v = (0..<dim).map { Double(x0[r * dim + $0]) + Double(y[r * dim + $0]) }
            let mean = v.reduce(0, +) / Double(dim)
            let variance = v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(dim)
            for j in 0..<dim {
                let expected = (v[j] - mean) / (variance + 1e-12).squareRoot() * Double(gamma[j]) + Double(beta[j])
                #expect(abs(Double(x[r * dim + j]) - expected) < 1e-5)
            }
        }
    }

    @Test func batchesSplitAtTheTokenBudgetInOrder() {
        #expect(MiniLMEncoder.batches([3, 3, 3], tokensPerPass: 6) == [[0, 1], [2]])
        #expect(MiniLMEncoder.batches([10, 2, 2], tokensPerPass: 6) == [[0], [1, 2]])
        #expect(MiniLMEncoder.batches([2, 10, 2], tokensPerPass: 6) == [[0], [1], [2]])
        #expect(MiniLMEncoder.batches([], tokensPerPass: 6) == [])
    }
}
