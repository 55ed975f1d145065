import Foundation

/// A file in the safetensors format: an 8-byte little-endian header length, a JSON header
/// `{name: {"dtype", "shape", "data_offsets": [begin, end]}}` (offsets relative to the end of the
/// header; `__metadata__` is ignored), then the raw little-endian tensor bytes.
///
/// The file is memory-mapped and checked once at open: every tensor's byte range must lie inside
/// the file and match its shape and dtype, so a truncated or corrupt file fails here, naming
/// its path, never later with garbage weights.
///
/// ```swift
/// let file = try SafetensorsFile(contentsOf: URL(fileURLWithPath: "var/encoder/model.safetensors"))
/// let bias = try file.floats("pooler.dense.bias", shape: [384])
/// ```
public struct SafetensorsFile: Sendable {
    /// One tensor's entry in the header.
    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let dtype: String
        public let shape: [Int]
        /// Absolute byte range in the file.
        public let bytes: Range<Int>
    }

    /// Bytes per element of the dtypes the format defines.
    static let elementSizes: [String: Int] = [
        "F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2, "I8": 1, "U8": 1, "BOOL": 1,
        "U16": 2, "U32": 4, "U64": 8, "F8_E4M3": 1, "F8_E5M2": 1,
    ]
    /// Larger headers are taken as corruption (real ones are a few KB to a few MB).
    static let maxHeaderBytes = 100 << 20

    public let path: String
    public let tensors: [String: Tensor]
    private let data: Data

    /// Opens (memory-maps) and validates a file; throws `SafetensorsError` naming the path.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) }
        catch { throw SafetensorsError(path: url.path, reason: "cannot be read (\(error.localizedDescription))") }
        try self.init(data: data, path: url.path)
    }

    /// Validates bytes already in memory; `path` only names them in errors.
    public init(data: Data, path: String) throws {
        self.path = path
        self.data = data
        self.tensors = try Self.parseHeader(data, path: path)
    }

    /// Names of all tensors, sorted.
    public var names: [String] { tensors.keys.sorted() }

    /// The tensor's values as Float (F32 as is; F16 and BF16 widened). If `shape` is given the
    /// tensor must have exactly that shape.
    public func floats(_ name: String, shape: [Int]? = nil) throws -> [Float] {
        guard let t = tensors[name] else {
            throw SafetensorsError(path: path, reason: "has no tensor \"\(name)\"")
        }
        if let shape, shape != t.shape {
            throw SafetensorsError(path: path, reason: "tensor \"\(name)\" has shape \(t.shape), expected \(shape)")
        }
        let count = t.shape.reduce(1, *)
        return try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> [Float] in
            let base = raw.baseAddress! + t.bytes.lowerBound
            switch t.dtype {
            case "F32":
                return [Float](unsafeUninitializedCapacity: count) { buf, n in
                    memcpy(buf.baseAddress!, base, count * 4)   // unaligned-safe copy of little-endian floats
                    n = count
                }
            case "F16":
                return (0..<count).map { HalfFloat.float(fromHalfBits: base.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) }
            case "BF16":
                return (0..<count).map { Float(bitPattern: UInt32(base.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self)) << 16) }
            default:
                throw SafetensorsError(path: path, reason: "tensor \"\(name)\" has dtype \(t.dtype); only F32, F16 and BF16 are read as floats")
            }
        }
    }

    // MARK: Header

    private struct Entry: Decodable {
        let dtype: String
        let shape: [Int]
        let data_offsets: [Int]
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// The header's entries, skipping `__metadata__`.
    private struct Header: Decodable {
        var entries: [String: Entry] = [:]
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: AnyKey.self)
            for key in c.allKeys where key.stringValue != "__metadata__" {
                entries[key.stringValue] = try c.decode(Entry.self, forKey: key)
            }
        }
    }

    static func parseHeader(_ data: Data, path: String) throws -> [String: Tensor] {
        func fail(_ reason: String) -> SafetensorsError { SafetensorsError(path: path, reason: reason) }
        guard data.count >= 8 else {
            throw fail("is truncated: \(data.count) bytes, shorter than the 8-byte header length")
        }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(maxHeaderBytes) else {
            throw fail("has a header length of \(headerLength) bytes (over \(maxHeaderBytes)); not a safetensors file or corrupt")
        }
        let dataStart = 8 + Int(headerLength)
        guard dataStart <= data.count else {
            throw fail("is truncated: its header says \(headerLength) bytes but only \(data.count - 8) follow")
        }
        let headerBytes = data.subdata(in: data.startIndex + 8 ..< data.startIndex + dataStart)
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: headerBytes) }
        catch { throw fail("has a malformed JSON header: \(describe(error))") }
        let payload = data.count - dataStart
        var tensors: [String: Tensor] = [:]
        for (name, e) in header.entries {
            guard let size = elementSizes[e.dtype] else { throw fail("tensor \"\(name)\" has unknown dtype \"\(e.dtype)\"") }
            guard e.shape.allSatisfy({ $0 >= 0 }) else { throw fail("tensor \"\(name)\" has a negative dimension in shape \(e.shape)") }
            guard e.data_offsets.count == 2, e.data_offsets[0] >= 0, e.data_offsets[0] <= e.data_offsets[1] else {
                throw fail("tensor \"\(name)\" has invalid data_offsets \(e.data_offsets)")
            }
            let (count, overflow) = e.shape.reduce((1, false)) { acc, d in
                let (v, o) = acc.0.multipliedReportingOverflow(by: d); return (v, acc.1 || o)
            }
            let length = e.data_offsets[1] - e.data_offsets[0]
            guard !overflow, count.multipliedReportingOverflow(by: size) == (length, false) else {
                throw fail("tensor \"\(name)\" has \(length) bytes but shape \(e.shape) of \(e.dtype) needs \(overflow ? "too many" : String(count * size))")
            }
            guard e.data_offsets[1] <= payload else {
                throw fail("is truncated: tensor \"\(name)\" ends at byte \(e.data_offsets[1]) of the data but the file holds \(payload)")
            }
            tensors[name] = Tensor(name: name, dtype: e.dtype, shape: e.shape,
                                   bytes: dataStart + e.data_offsets[0] ..< dataStart + e.data_offsets[1])
        }
        return tensors
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c): return c.debugDescription
        case DecodingError.keyNotFound(let k, let c): return "missing \"\(k.stringValue)\" at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let c): return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        default: return "\(error)"
        }
    }
}

/// A safetensors file that cannot be used: which file and what is wrong with it.
public struct SafetensorsError: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let reason: String
    public var description: String { "\(path) \(reason)" }
}

/// IEEE 754 half precision → single precision, by bits (no dependency on `Float16` availability).
enum HalfFloat {
    static func float(fromHalfBits h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        switch exponent {
        case 0:
            // zero or subnormal: mantissa · 2^-24
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 31:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
        }
    }
}
