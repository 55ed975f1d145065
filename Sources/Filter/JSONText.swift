import WardenCore

/// Small JSON writing helpers for output lines (strings escaped as RFC 8259 requires; numbers
/// with a fixed number of decimals so outputs are byte-identical across runs).
enum JSONText {
    static let hex = Array("0123456789abcdef".utf8)

    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        for byte in s.utf8 {
            switch byte {
            case 0x22: out.append(92); out.append(0x22)
            case 0x5C: out.append(92); out.append(92)
            case 0x0A: out.append(92); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(92); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(92); out.append(UInt8(ascii: "t"))
            case 0..<0x20:
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(0x22)
    }

    /// `x` with 4 decimals, without a locale (`0.0123`, `1.0000`).
    static func appendFixed4(_ x: Double, to out: inout [UInt8]) {
        let v = Int((min(max(x, 0), 1) * 10000).rounded())
        out.append(UInt8(ascii: "0") + UInt8(v / 10000))
        out.append(UInt8(ascii: "."))
        let frac = v % 10000
        out.append(UInt8(ascii: "0") + UInt8(frac / 1000))
        out.append(UInt8(ascii: "0") + UInt8(frac / 100 % 10))
        out.append(UInt8(ascii: "0") + UInt8(frac / 10 % 10))
        out.append(UInt8(ascii: "0") + UInt8(frac % 10))
    }

    /// The `"warden": {...}` annotation of an output document.
    static func annotation(decision: String, categories: [ModerationCategory], scores: [Double], maskedSpans: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(220)
        out.append(contentsOf: #""warden":{"decision":"#.utf8)
        appendString(decision, to: &out)
        out.append(contentsOf: #","categories":["#.utf8)
        for (i, c) in categories.enumerated() {
            if i > 0 { out.append(0x2C) }
            appendString(c.rawValue, to: &out)
        }
        out.append(contentsOf: #"],"scores":{"#.utf8)
        for (i, c) in ModerationCategory.allCases.enumerated() {
            if i > 0 { out.append(0x2C) }
            appendString(c.rawValue, to: &out)
            out.append(0x3A)
            appendFixed4(scores[i], to: &out)
        }
        out.append(0x7D)
        if maskedSpans > 0 {
            out.append(contentsOf: #","masked_spans":"#.utf8)
            out.append(contentsOf: String(maskedSpans).utf8)
        }
        out.append(0x7D)
        return out
    }

    /// `object` (a JSON object's text) with `member` added as its last member.
    static func splice(_ object: [UInt8], member: [UInt8]) -> [UInt8] {
        guard let close = object.lastIndex(of: 0x7D) else { return object }
        var out = [UInt8]()
        out.reserveCapacity(object.count + member.count + 1)
        out.append(contentsOf: object[..<close])
        var j = close - 1
        while j >= 0, object[j] == 0x20 || object[j] == 0x09 || object[j] == 0x0A || object[j] == 0x0D { j -= 1 }
        if j >= 0, object[j] != 0x7B { out.append(0x2C) }
        out.append(contentsOf: member)
        out.append(contentsOf: object[close...])
        return out
    }
}
