import Foundation

/// Writes safetensors bytes for tests, independently of the reader: header JSON built by hand,
/// tensors laid out in the given order.
enum SafetensorsWriter {
    struct Tensor {
        var name: String
        var dtype = "F32"
        var shape: [Int]
        var bytes: [UInt8]
    }

    static func f32(_ name: String, _ shape: [Int], _ values: [Float]) -> Tensor {
        Tensor(name: name, shape: shape, bytes: values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } })
    }

    static func u16(_ name: String, dtype: String, _ shape: [Int], _ bits: [UInt16]) -> Tensor {
        Tensor(name: name, dtype: dtype, shape: shape, bytes: bits.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } })
    }

    static func encode(_ tensors: [Tensor], metadata: Bool = true, header override: String? = nil) -> Data {
        var entries: [String] = metadata ? [#""__metadata__":{"format":"pt"}"#] : []
        var offset = 0
        for t in tensors {
            let shape = t.shape.map(String.init).joined(separator: ",")
            entries.append(#""\#(t.name)":{"dtype":"\#(t.dtype)","shape":[\#(shape)],"data_offsets":[\#(offset),\#(offset + t.bytes.count)]}"#)
            offset += t.bytes.count
        }
        let header = Array((override ?? "{" + entries.joined(separator: ",") + "}").utf8)
        var data = Data(withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) })
        data.append(contentsOf: header)
        for t in tensors { data.append(contentsOf: t.bytes) }
        return data
    }
}
