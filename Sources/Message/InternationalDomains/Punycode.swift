/// Punycode (RFC 3492), the Bootstring profile that turns a Unicode label into the ASCII after
/// "xn--" in an A-label.
///
/// Written from the RFC's pseudocode (section 6) with its parameters (section 5). The encoder
/// keeps basic code points as they are, so callers lower-case first (IDNA does); the decoder
/// accepts digits in either case and ignores the optional mixed-case annotation. Arithmetic is
/// checked against a 31-bit limit as in section 6.4, so hostile input fails instead of
/// overflowing.
public enum Punycode {
    private static let base = 36
    private static let tMin = 1
    private static let tMax = 26
    private static let skew = 38
    private static let damp = 700
    private static let initialBias = 72
    private static let initialN = 0x80
    private static let maxInt = 0x7FFF_FFFF

    /// Encodes a string (one label, without "xn--").
    public static func encode(_ input: String) throws(MessageError) -> String {
        let codePoints = input.unicodeScalars.map { Int($0.value) }
        var output: [UInt8] = codePoints.filter { $0 < 0x80 }.map { UInt8($0) }
        let basicCount = output.count
        var handled = basicCount
        if basicCount > 0 { output.append(UInt8(ascii: "-")) }

        var n = initialN
        var delta = 0
        var bias = initialBias
        while handled < codePoints.count {
            // The smallest code point not yet handled; there is one because handled < count.
            let next = codePoints.filter { $0 >= n }.min() ?? n
            guard next - n <= (maxInt - delta) / (handled + 1) else {
                throw .invalidPunycode(input, problem: .overflow)
            }
            delta += (next - n) * (handled + 1)
            n = next
            for codePoint in codePoints {
                if codePoint < n {
                    delta += 1
                    guard delta <= maxInt else { throw .invalidPunycode(input, problem: .overflow) }
                }
                if codePoint == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = threshold(k, bias: bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta, points: handled + 1, first: handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes Punycode (without "xn--") back to Unicode, for showing A-labels to people and for
    /// checking that an A-label round-trips.
    public static func decode(_ input: String) throws(MessageError) -> String {
        let scalars = Array(input.unicodeScalars)
        var output: [UInt32] = []
        var position = 0
        if let delimiter = scalars.lastIndex(of: "-") {
            for (offset, scalar) in scalars[..<delimiter].enumerated() {
                guard scalar.isASCII else {
                    throw .invalidPunycode(input, problem: .nonBasicCodePoint(scalar, offset: offset))
                }
                output.append(scalar.value)
            }
            // Section 6.2: the delimiter is consumed only when some basic code points came before it.
            position = delimiter > 0 ? delimiter + 1 : 0
        }

        var n = initialN
        var i = 0
        var bias = initialBias
        while position < scalars.count {
            let oldI = i
            var weight = 1
            var k = base
            while true {
                guard position < scalars.count else { throw .invalidPunycode(input, problem: .truncated) }
                guard let value = digitValue(scalars[position]) else {
                    throw .invalidPunycode(input, problem: .invalidDigit(scalars[position], offset: position))
                }
                position += 1
                guard value <= (maxInt - i) / weight else { throw .invalidPunycode(input, problem: .overflow) }
                i += value * weight
                let t = threshold(k, bias: bias)
                if value < t { break }
                guard weight <= maxInt / (base - t) else { throw .invalidPunycode(input, problem: .overflow) }
                weight *= base - t
                k += base
            }
            let count = output.count + 1
            bias = adapt(i - oldI, points: count, first: oldI == 0)
            guard i / count <= maxInt - n else { throw .invalidPunycode(input, problem: .overflow) }
            n += i / count
            i %= count
            // Basic code points are never encoded as deltas; surrogates and values beyond
            // U+10FFFF are not characters.
            guard n >= initialN, let scalar = Unicode.Scalar(UInt32(n)) else {
                throw .invalidPunycode(input, problem: .invalidCodePoint(UInt32(n)))
            }
            output.insert(scalar.value, at: i)
            i += 1
        }
        var result = String.UnicodeScalarView()
        for value in output {
            if let scalar = Unicode.Scalar(value) { result.append(scalar) }
        }
        return String(result)
    }

    /// Section 6.1.
    private static func adapt(_ delta: Int, points: Int, first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / points
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }

    private static func threshold(_ k: Int, bias: Int) -> Int {
        if k <= bias { return tMin }
        if k >= bias + tMax { return tMax }
        return k - bias
    }

    /// Section 5: digits 0-25 are a-z, 26-35 are 0-9. Lower case, as IDNA expects.
    private static func digit(_ value: Int) -> UInt8 {
        value < 26 ? UInt8(ascii: "a") + UInt8(value) : UInt8(ascii: "0") + UInt8(value - 26)
    }

    private static func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar.value {
        case 0x61...0x7A: return Int(scalar.value - 0x61)
        case 0x41...0x5A: return Int(scalar.value - 0x41)
        case 0x30...0x39: return Int(scalar.value - 0x30) + 26
        default: return nil
        }
    }
}

/// Why Punycode could not be decoded (or, for `overflow`, encoded).
public enum PunycodeProblem: Hashable, Sendable, CustomStringConvertible {
    case nonBasicCodePoint(Unicode.Scalar, offset: Int)
    case invalidDigit(Unicode.Scalar, offset: Int)
    case truncated
    case overflow
    case invalidCodePoint(UInt32)

    public var description: String {
        switch self {
        case .nonBasicCodePoint(let scalar, let offset):
            return "non-ASCII \(MessageError.scalar(scalar)) before the last '-' at character \(offset + 1)"
        case .invalidDigit(let scalar, let offset):
            return "\(MessageError.scalar(scalar)) at character \(offset + 1) is not a Punycode digit (a-z, 0-9)"
        case .truncated:
            return "the input ends in the middle of a number"
        case .overflow:
            return "the numbers are too large (RFC 3492 6.4 overflow)"
        case .invalidCodePoint(let value):
            return "it decodes to U+\(String(value, radix: 16, uppercase: true)), which is not an encodable character"
        }
    }
}
