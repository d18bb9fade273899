/// Writes one JSON object straight into bytes, keys in the order written.
///
/// Used on the per-chunk hot path, where Foundation's encoder would cost an intermediate tree
/// and give keys in no stable order. Only what replies need: strings, integers, booleans,
/// nested objects and pre-encoded JSON.
struct JSONObjectWriter {
    private(set) var bytes: [UInt8]
    private var needsComma = false

    init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    /// An object preceded by `prefix` (an SSE event's `data: `), written into the same buffer.
    init(capacity: Int, prefix: StaticString) {
        bytes = []
        bytes.reserveCapacity(capacity)
        prefix.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "{"))
    }

    /// A named SSE event's object: `event: NAME`, `data: {…`, with `"type": NAME` as its first
    /// field (as Anthropic and Responses events all have), in one buffer.
    init(capacity: Int, event name: StaticString) {
        bytes = []
        bytes.reserveCapacity(capacity)
        ("event: " as StaticString).withUTF8Buffer { bytes.append(contentsOf: $0) }
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        ("\ndata: {" as StaticString).withUTF8Buffer { bytes.append(contentsOf: $0) }
        field("type", literal: name)
    }

    /// A string known when compiling, which needs no escaping.
    mutating func field(_ name: StaticString, literal value: StaticString) {
        key(name)
        bytes.append(UInt8(ascii: "\""))
        value.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        Self.appendString(value, to: &bytes)
    }

    mutating func field(_ name: StaticString, _ value: Int64) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        let literal: StaticString = value ? "true" : "false"
        literal.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Non-finite values, which JSON cannot hold, become 0.
    mutating func field(_ name: StaticString, _ value: Double) {
        key(name)
        bytes.append(contentsOf: (value.isFinite ? "\(value)" : "0").utf8)
    }

    mutating func field(_ name: StaticString, _ time: Timestamp, prefix: RFC3339SecondPrefix? = nil) {
        key(name)
        bytes.append(UInt8(ascii: "\""))
        if let prefix {
            prefix.append(time, to: &bytes)
        } else {
            Timestamp.appendRFC3339(unixNanoseconds: time.unixNanoseconds, to: &bytes)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Writes a nested object in place: `open`, its fields, `close` — no second buffer.
    mutating func open(_ name: StaticString) {
        key(name)
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func close() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// An array of objects in place: `openArray`, then `openElement`/`close` per element, `closeArray`.
    mutating func openArray(_ name: StaticString) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    mutating func openElement() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func closeArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    mutating func field(_ name: StaticString, object: JSONObjectWriter) {
        key(name)
        bytes.append(contentsOf: object.bytes)
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func field(_ name: StaticString, _ value: Int64?) {
        if let value { field(name, value) }
    }

    /// A value already encoded as JSON (an array, a nested object, `null`).
    mutating func field(_ name: StaticString, raw value: [UInt8]) {
        key(name)
        bytes.append(contentsOf: value)
    }

    mutating func null(_ name: StaticString) { field(name, raw: Self.nullLiteral) }

    static let nullLiteral = Array("null".utf8)
    static let emptyArray = Array("[]".utf8)
    static let emptyObject = Array("{}".utf8)

    /// A JSON array of already-encoded elements.
    static func array(_ elements: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (index, element) in elements.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: element)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// A JSON array of numbers; non-finite values (which JSON cannot hold) become 0.
    static func numbers(_ values: [Double]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        out.reserveCapacity(values.count * 12)
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: (value.isFinite ? "\(value)" : "0").utf8)
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    static func string(_ value: String) -> [UInt8] {
        var out: [UInt8] = []
        appendString(value, to: &out)
        return out
    }

    /// The object's bytes, moved out (the writer is left empty), so the buffer is handed over rather than copied.
    mutating func finished() -> [UInt8] {
        var out = takeBytes()
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The object and `suffix` (an SSE event's blank line).
    mutating func finished(suffix: StaticString) -> [UInt8] {
        var out = takeBytes()
        out.append(UInt8(ascii: "}"))
        suffix.withUTF8Buffer { out.append(contentsOf: $0) }
        return out
    }

    /// The object and a newline: one NDJSON line.
    mutating func finishedLine() -> [UInt8] {
        var out = takeBytes()
        out.append(UInt8(ascii: "}"))
        out.append(UInt8(ascii: "\n"))
        return out
    }

    /// The buffer, moved out: a copy would leave `bytes` sharing it, and the closing append
    /// would then copy the whole object.
    private mutating func takeBytes() -> [UInt8] {
        var out: [UInt8] = []
        swap(&out, &bytes)
        return out
    }

    /// `,"name":` in one growth of the buffer: keys are most of what a chunk writes.
    private mutating func key(_ name: StaticString) {
        let comma = needsComma
        needsComma = true
        let count = name.utf8CodeUnitCount
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count + (comma ? 4 : 3)))
        bytes.withUnsafeMutableBufferPointer { buffer in
            var index = start
            if comma {
                buffer[index] = UInt8(ascii: ",")
                index += 1
            }
            buffer[index] = UInt8(ascii: "\"")
            UnsafeMutableRawPointer(buffer.baseAddress! + index + 1).copyMemory(from: name.utf8Start, byteCount: count)
            buffer[index + 1 + count] = UInt8(ascii: "\"")
            buffer[index + 2 + count] = UInt8(ascii: ":")
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped; all other
    /// UTF-8 written as is, which JSON allows.
    static func appendString(_ value: String, to bytes: inout [UInt8]) {
        // Most strings need no escaping: copied whole, quotes included, in one growth.
        var value = value
        let copied = value.withUTF8 { utf8 in
            guard !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "\""), count: utf8.count + 2))
            if let source = utf8.baseAddress, !utf8.isEmpty {
                bytes.withUnsafeMutableBufferPointer { buffer in
                    UnsafeMutableRawPointer(buffer.baseAddress! + start + 1).copyMemory(from: source, byteCount: utf8.count)
                }
            }
            return true
        }
        if copied { return }
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension [UInt8] {
    /// Appends `bytes`, or takes them whole when empty: the first event of a chunk's output
    /// then costs no copy (most chunks write exactly one).
    mutating func appendMoving(_ bytes: consuming [UInt8]) {
        if isEmpty { self = bytes } else { self += bytes }
    }
}
