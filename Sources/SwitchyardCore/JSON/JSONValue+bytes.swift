/// A `JSONValue` written straight to bytes, as `JSONCoding.encoder()` writes it (keys sorted,
/// slashes unescaped) but without going through `Encodable`: JSONEncoder was most of the cost of
/// sending a translated request upstream.
extension JSONValue {
    /// The encoded value; nil if it holds a number JSON cannot (infinite or NaN).
    public func encodedBytes() -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        return write(to: &bytes) ? bytes : nil
    }

    private func write(to bytes: inout [UInt8]) -> Bool {
        switch self {
        case .null: Self.append("null", to: &bytes)
        case .bool(let value): Self.append(value ? "true" : "false", to: &bytes)
        case .int(let value): bytes.append(contentsOf: String(value).utf8)
        case .double(let value):
            guard value.isFinite else { return false }
            // JSONEncoder's form: Swift's shortest round-trip text, whole numbers without ".0".
            var text = value.description
            if text.hasSuffix(".0") { text.removeLast(2) }
            bytes.append(contentsOf: text.utf8)
        case .string(let value): JSONObjectWriter.appendString(value, to: &bytes)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                guard value.write(to: &bytes) else { return false }
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONObjectWriter.appendString(key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                guard members[key]!.write(to: &bytes) else { return false }
            }
            bytes.append(UInt8(ascii: "}"))
        }
        return true
    }

    private static func append(_ literal: StaticString, to bytes: inout [UInt8]) {
        literal.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }
}
