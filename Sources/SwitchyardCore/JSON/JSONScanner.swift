/// A forward-only reader over one JSON document in memory, for the hot paths that translate
/// stream chunks: it reads the few fields a translator needs and steps over the rest without
/// building anything. It gives up (throws) on anything unusual — malformed JSON, an escaped
/// key, a value of an unexpected type — and its callers then decode with JSONDecoder, so it
/// only ever changes how fast an answer comes, never which.
public struct JSONScanner {
    struct GiveUp: Error {}

    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    /// Objects and arrays open around the position. The scanner recurses per level, so a body
    /// nested a million deep would overflow the stack; past JSONDecoder's own limit it gives up
    /// and JSONDecoder refuses the document.
    private var depth = 0
    static let maximumDepth = 512

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Runs `read` over a document and requires it to consume the whole of it.
    static func read<T>(_ bytes: UnsafeBufferPointer<UInt8>, _ read: (inout JSONScanner) throws(GiveUp) -> T) -> T? {
        var scanner = JSONScanner(bytes: bytes)
        guard let value = try? read(&scanner), scanner.atEnd else { return nil }
        return value
    }

    /// The string value of `key` in a top-level object, after checking the whole document is
    /// well-formed JSON; nil for anything else (the key missing, another type, malformed JSON).
    public static func topLevelString(_ key: String, in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let wanted = Array(key.utf8)
        return read(bytes) { scanner throws(GiveUp) in
            var found: String?
            try scanner.object { scanner, name throws(GiveUp) in
                if name.bytes.elementsEqual(wanted) {
                    // A second one is for JSONDecoder to judge: parsers differ on which wins.
                    guard found == nil, let value = try scanner.optionalString() else { throw GiveUp() }
                    found = value
                } else {
                    try scanner.skipValue()
                }
            }
            return found
        } ?? nil
    }

    /// Where a top-level string field's value lies, quotes included: the bytes a proxy
    /// replaces to rename a model without touching one byte around them.
    public static func topLevelStringRange(_ key: String, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        let wanted = Array(key.utf8)
        return read(bytes) { scanner throws(GiveUp) in
            var found: Range<Int>?
            try scanner.object { scanner, name throws(GiveUp) in
                if name.bytes.elementsEqual(wanted) {
                    guard found == nil else { throw GiveUp() }
                    scanner.skipWhitespace()
                    let start = scanner.position
                    guard try scanner.optionalString() != nil else { throw GiveUp() }
                    found = start..<scanner.position
                } else {
                    try scanner.skipValue()
                }
            }
            return found
        } ?? nil
    }

    var atEnd: Bool {
        mutating get {
            skipWhitespace()
            return position == bytes.count
        }
    }

    // MARK: JSON structure

    /// Calls `body` for each key of an object, positioned at the key's value.
    mutating func object(_ body: (inout JSONScanner, Key) throws(GiveUp) -> Void) throws(GiveUp) {
        try expect(UInt8(ascii: "{"))
        try enter()
        defer { depth -= 1 }
        if peek() == UInt8(ascii: "}") {
            position += 1
            return
        }
        repeat {
            let key = try self.key()
            try expect(UInt8(ascii: ":"))
            try body(&self, key)
        } while try more(closing: UInt8(ascii: "}"))
    }

    /// The keys an object reader has handled, one bit each. A key that comes twice makes the
    /// reader give up: parsers differ on which of the two wins, so JSONDecoder decides.
    struct SeenKeys {
        private var bits: UInt32 = 0

        mutating func first(_ bit: UInt32) throws(GiveUp) {
            guard bits & (1 << bit) == 0 else { throw GiveUp() }
            bits |= 1 << bit
        }
    }

    mutating func array(_ body: (inout JSONScanner) throws(GiveUp) -> Void) throws(GiveUp) {
        try expect(UInt8(ascii: "["))
        try enter()
        defer { depth -= 1 }
        if peek() == UInt8(ascii: "]") {
            position += 1
            return
        }
        repeat { try body(&self) } while try more(closing: UInt8(ascii: "]"))
    }

    private mutating func enter() throws(GiveUp) {
        guard depth < Self.maximumDepth else { throw GiveUp() }
        depth += 1
    }

    mutating func more(closing: UInt8) throws(GiveUp) -> Bool {
        switch peek() {
        case UInt8(ascii: ","):
            position += 1
            return true
        case closing:
            position += 1
            return false
        default: throw GiveUp()
        }
    }

    /// A key without escapes or non-ASCII bytes (no chunk key has any), compared as bytes.
    struct Key {
        let bytes: UnsafeBufferPointer<UInt8>

        @inline(__always)
        static func ~= (pattern: StaticString, key: Key) -> Bool {
            guard pattern.utf8CodeUnitCount == key.bytes.count else { return false }
            let wanted = pattern.utf8Start
            for index in 0..<key.bytes.count where key.bytes[index] != wanted[index] { return false }
            return true
        }
    }

    mutating func key() throws(GiveUp) -> Key {
        try expect(UInt8(ascii: "\""))
        let start = position
        while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
            if bytes[position] == UInt8(ascii: "\\") || bytes[position] >= 0x80 || bytes[position] < 0x20 { throw GiveUp() }
            position += 1
        }
        guard position < bytes.count else { throw GiveUp() }
        defer { position += 1 }
        return Key(bytes: UnsafeBufferPointer(rebasing: bytes[start..<position]))
    }

    // MARK: Values

    /// Consumes `null` if it is next.
    mutating func null() -> Bool {
        guard peek() == UInt8(ascii: "n") else { return false }
        guard position + 4 <= bytes.count, bytes[position + 1] == UInt8(ascii: "u"), bytes[position + 2] == UInt8(ascii: "l"),
            bytes[position + 3] == UInt8(ascii: "l")
        else { return false }
        position += 4
        return true
    }

    mutating func optionalString() throws(GiveUp) -> String? {
        if null() { return nil }
        try expect(UInt8(ascii: "\""))
        let start = position
        var ascii = true
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\""):
                defer { position += 1 }
                let text = UnsafeBufferPointer(rebasing: bytes[start..<position])
                if ascii { return String(decoding: text, as: UTF8.self) }
                // JSONDecoder refuses invalid UTF-8, so the scanner does too, rather than
                // answering with replacement characters.
                guard let valid = String(validating: text, as: UTF8.self) else { throw GiveUp() }
                return valid
            case UInt8(ascii: "\\"):
                return try escapedString(from: start)
            case 0..<0x20:
                throw GiveUp()  // JSON forbids raw control characters
            case 0x80...:
                ascii = false
                position += 1
            default:
                position += 1
            }
        }
        throw GiveUp()
    }

    /// Steps over a string without building it; its escapes are checked all the same.
    private mutating func skipString() throws(GiveUp) {
        try expect(UInt8(ascii: "\""))
        let start = position
        var ascii = true
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\""):
                if !ascii, String(validating: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self) == nil {
                    throw GiveUp()
                }
                position += 1
                return
            case 0x80...:
                ascii = false
                position += 1
            case UInt8(ascii: "\\"):
                guard position + 1 < bytes.count else { throw GiveUp() }
                let escape = bytes[position + 1]
                position += 2
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
                    UInt8(ascii: "r"), UInt8(ascii: "t"):
                    break
                case UInt8(ascii: "u"): _ = try unicodeEscape()
                default: throw GiveUp()
                }
            case 0..<0x20:
                throw GiveUp()
            default:
                position += 1
            }
        }
        throw GiveUp()
    }

    /// The slow path of a string: `\n`, `\"`, `\uXXXX` and the like, surrogate pairs included.
    private mutating func escapedString(from start: Int) throws(GiveUp) -> String {
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: out, as: UTF8.self) else { throw GiveUp() }
                return text
            case UInt8(ascii: "\\"):
                guard position < bytes.count else { throw GiveUp() }
                let escape = bytes[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    out.append(contentsOf: String(Character(try unicodeEscape())).utf8)
                default: throw GiveUp()
                }
            case 0..<0x20: throw GiveUp()
            default: out.append(byte)
            }
        }
        throw GiveUp()
    }

    /// The scalar of a `\uXXXX` escape (the `\u` already read), surrogate pairs joined; a lone
    /// surrogate is not a character, and JSONDecoder refuses it.
    private mutating func unicodeEscape() throws(GiveUp) -> Unicode.Scalar {
        var scalar = try hex4()
        if (0xD800..<0xDC00).contains(scalar) {
            // A high surrogate must be followed by `\u` and a low one.
            guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u")
            else { throw GiveUp() }
            position += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw GiveUp() }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw GiveUp() }
        return unicode
    }

    private mutating func hex4() throws(GiveUp) -> UInt32 {
        guard position + 4 <= bytes.count else { throw GiveUp() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            position += 1
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw GiveUp()
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    mutating func optionalInt() throws(GiveUp) -> Int? {
        if null() { return nil }
        let text = try numberText()
        guard let value = Int(text) else { throw GiveUp() }  // a fraction or exponent: let JSONDecoder judge
        return value
    }

    mutating func optionalBool() throws(GiveUp) -> Bool? {
        if null() { return nil }
        switch peek() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default: throw GiveUp()
        }
    }

    mutating func optionalDouble() throws(GiveUp) -> Double? {
        if null() { return nil }
        // `1e999` reads as infinity, which no caller can use: JSONDecoder judges it instead.
        guard let value = Double(try numberText()), value.isFinite else { throw GiveUp() }
        return value
    }

    /// A number in JSON's own grammar, `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`:
    /// Swift's `Int` and `Double` parsers also take `+5`, `007` and `1.`, which JSON does not.
    private mutating func numberText() throws(GiveUp) -> Substring {
        skipWhitespace()
        let start = position
        func digits() -> Int {
            let first = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
            return position - first
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        let integerStart = position
        let integerDigits = digits()
        guard integerDigits > 0, integerDigits == 1 || bytes[integerStart] != UInt8(ascii: "0") else { throw GiveUp() }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { throw GiveUp() }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { throw GiveUp() }
        }
        return Substring(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    /// Steps over any value, checking only its structure.
    mutating func skipValue() throws(GiveUp) {
        switch peek() {
        case UInt8(ascii: "{"): try object { reader, _ throws(GiveUp) in try reader.skipValue() }
        case UInt8(ascii: "["): try array { reader throws(GiveUp) in try reader.skipValue() }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "n"): guard null() else { throw GiveUp() }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        default: _ = try numberText()
        }
    }

    private mutating func literal(_ word: StaticString) throws(GiveUp) {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count,
            word.withUTF8Buffer({ $0.elementsEqual(UnsafeBufferPointer(rebasing: bytes[position..<position + count])) })
        else { throw GiveUp() }
        position += count
    }

    // MARK: Bytes

    private mutating func expect(_ byte: UInt8) throws(GiveUp) {
        guard peek() == byte else { throw GiveUp() }
        position += 1
    }

    private mutating func peek() -> UInt8? {
        skipWhitespace()
        return position < bytes.count ? bytes[position] : nil
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }
}
