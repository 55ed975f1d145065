import Foundation
import Testing
@testable import SentenceEncoder

@Suite struct SafetensorsFileTests {
    typealias W = SafetensorsWriter

    func temporaryFile(_ data: Data) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString).safetensors")
        try data.write(to: url)
        return url
    }

    func error(_ body: () throws -> Any) -> SafetensorsError? {
        do { _ = try body(); return nil } catch let e as SafetensorsError { return e } catch { return nil }
    }

    @Test func readsF32TensorsFromAFileAndIgnoresMetadata() throws {
        let data = W.encode([W.f32("a", [2, 3], [1, 2, 3, 4, 5, 6.5]), W.f32("b", [1], [-0.25]), W.f32("empty", [0, 4], [])])
        let url = try temporaryFile(data)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try SafetensorsFile(contentsOf: url)
        #expect(file.names == ["a", "b", "empty"])
        #expect(try file.floats("a", shape: [2, 3]) == [1, 2, 3, 4, 5, 6.5])
        #expect(try file.floats("b") == [-0.25])
        #expect(try file.floats("empty") == [])
        #expect(file.tensors["a"]?.shape == [2, 3])
    }

    @Test func widensF16AndBF16() throws {
        // F16: 1, -2, 0.5, 65504 (max), 2^-24 (smallest subnormal), -0, +inf
        let half: [UInt16] = [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x8000, 0x7C00]
        // BF16: 1, -3, 0.15625
        let brain: [UInt16] = [0x3F80, 0xC040, 0x3E20]
        let file = try SafetensorsFile(data: W.encode([W.u16("h", dtype: "F16", [7], half), W.u16("b", dtype: "BF16", [3], brain)]), path: "mem")
        let h = try file.floats("h")
        #expect(Array(h.prefix(6)) == [1, -2, 0.5, 65504, 0x1p-24, 0])
        #expect(h[5].sign == .minus)
        #expect(h[6] == .infinity)
        #expect(try file.floats("b") == [1, -3, 0.15625])
    }

    @Test func missingTensorWrongShapeAndNonFloatDtypeNameTheProblem() throws {
        let file = try SafetensorsFile(data: W.encode([W.f32("a", [2, 2], [1, 2, 3, 4]),
                                                       W.Tensor(name: "ids", dtype: "I64", shape: [1], bytes: Array(repeating: 0, count: 8))]),
                                       path: "/models/x.safetensors")
        let missing = error { try file.floats("nope") }
        #expect(missing == SafetensorsError(path: "/models/x.safetensors", reason: "has no tensor \"nope\""))
        let shape = error { try file.floats("a", shape: [4]) }
        #expect(shape?.reason == "tensor \"a\" has shape [2, 2], expected [4]")
        let dtype = error { try file.floats("ids") }
        #expect(dtype?.reason.contains("dtype I64") == true)
        #expect("\(missing!)".hasPrefix("/models/x.safetensors "))
    }

    @Test func truncatedFilesFailAtOpenWithThePath() throws {
        let data = W.encode([W.f32("a", [4], [1, 2, 3, 4]), W.f32("b", [4], [5, 6, 7, 8])])
        // Cut inside the last tensor, inside the header, and inside the length prefix.
        for cut in [data.count - 1, data.count - 16, 20, 7, 0] {
            let url = try temporaryFile(data.prefix(cut))
            defer { try? FileManager.default.removeItem(at: url) }
            let e = error { try SafetensorsFile(contentsOf: url) }
            #expect(e?.path == url.path, "cut at \(cut)")
            #expect(e?.reason.contains("truncated") == true, "cut at \(cut): \(String(describing: e))")
        }
    }

    @Test func corruptHeadersAreRejected() throws {
        let bad: [(String, String)] = [
            ("{not json", "malformed JSON header"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, "has 4 bytes but shape [2] of F32 needs 8"),
            (#"{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}}"#, "unknown dtype \"Q4\""),
            (#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, "negative dimension"),
            (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, "invalid data_offsets"),
            (#"{"a":{"dtype":"F32","shape":[1]}}"#, "missing \"data_offsets\""),
            (#"[1, 2]"#, "malformed JSON header"),
        ]
        for (header, expected) in bad {
            let data = W.encode([W.f32("a", [1], [1])], header: header)
            let e = error { try SafetensorsFile(data: data, path: "p") }
            #expect(e?.reason.contains(expected) == true, "\(header) → \(String(describing: e))")
        }
        var huge = Data(withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { Array($0) })
        huge.append(contentsOf: [0x7B, 0x7D])
        #expect(error { try SafetensorsFile(data: huge, path: "p") }?.reason.contains("header length") == true)
    }

    @Test func aMissingFileSaysItCannotBeRead() {
        let e = error { try SafetensorsFile(contentsOf: URL(fileURLWithPath: "/nonexistent/model.safetensors")) }
        #expect(e?.path == "/nonexistent/model.safetensors")
        #expect(e?.reason.hasPrefix("cannot be read") == true)
    }
}
