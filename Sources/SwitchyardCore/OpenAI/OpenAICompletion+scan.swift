/// A hand-written reader for the chunks that make up nearly every OpenAI stream — text or
/// reasoning deltas, a finish reason, usage and llama.cpp timings — several times cheaper than
/// JSONDecoder, which dominated the cost of translating a chunk.
///
/// It reads exactly what `OpenAICompletion`'s `Decodable` conformance reads and skips the rest.
/// Anything outside that common shape (tool calls, logprobs, reasoning details, errors, escaped
/// keys, malformed JSON) makes it give up and return nil, and the caller decodes with
/// JSONDecoder, so the two paths can never disagree on anything but speed.
extension OpenAICompletion {
    static func scan(_ json: String) -> OpenAICompletion? {
        var json = json
        return json.withUTF8 { bytes in
            var reader = ChunkReader(bytes: bytes)
            guard let completion = try? reader.completion(), reader.atEnd else { return nil }
            return completion
        }
    }
}

private struct ChunkReader {
    struct GiveUp: Error {}

    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    var atEnd: Bool {
        mutating get {
            skipWhitespace()
            return position == bytes.count
        }
    }

    mutating func completion() throws(GiveUp) -> OpenAICompletion {
        var completion = OpenAICompletion()
        try object { reader, key throws(GiveUp) in
            switch key {
            case "choices":
                var choices: [OpenAIChoice] = []
                try reader.array { reader throws(GiveUp) in choices.append(try reader.choice()) }
                completion.choices = choices
            case "usage":
                guard !reader.null() else { return }
                var usage = OpenAIUsage()
                try reader.object { reader, key throws(GiveUp) in
                    switch key {
                    case "prompt_tokens": usage.promptTokens = try reader.optionalInt()
                    case "completion_tokens": usage.completionTokens = try reader.optionalInt()
                    default: try reader.skipValue()
                    }
                }
                completion.usage = usage
            case "timings":
                guard !reader.null() else { return }
                var timings = LlamaTimings()
                try reader.object { reader, key throws(GiveUp) in
                    switch key {
                    case "prompt_n": timings.promptN = try reader.optionalInt()
                    case "prompt_ms": timings.promptMS = try reader.optionalDouble()
                    case "predicted_n": timings.predictedN = try reader.optionalInt()
                    case "predicted_ms": timings.predictedMS = try reader.optionalDouble()
                    default: try reader.skipValue()
                    }
                }
                completion.timings = timings
            case "error": throw GiveUp()
            default: try reader.skipValue()
            }
        }
        return completion
    }

    mutating func choice() throws(GiveUp) -> OpenAIChoice {
        var choice = OpenAIChoice()
        try object { reader, key throws(GiveUp) in
            switch key {
            case "index": choice.index = try reader.optionalInt()
            case "delta": choice.delta = try reader.messageText()
            case "message": choice.message = try reader.messageText()
            case "text": choice.text = try reader.optionalString()
            case "finish_reason": choice.finishReason = try reader.optionalString()
            case "logprobs": guard reader.null() else { throw GiveUp() }
            default: try reader.skipValue()
            }
        }
        return choice
    }

    mutating func messageText() throws(GiveUp) -> OpenAIMessageText? {
        guard !null() else { return nil }
        var text = OpenAIMessageText()
        try object { reader, key throws(GiveUp) in
            switch key {
            case "content": text.content = try reader.optionalString()
            case "reasoning_content": text.reasoningContent = try reader.optionalString()
            case "reasoning": text.reasoning = try reader.optionalString()
            case "tool_calls", "reasoning_details": guard reader.null() else { throw GiveUp() }
            default: try reader.skipValue()
            }
        }
        return text
    }

    // MARK: JSON structure

    /// Calls `body` for each key of an object, positioned at the key's value.
    mutating func object(_ body: (inout ChunkReader, Key) throws(GiveUp) -> Void) throws(GiveUp) {
        try expect(UInt8(ascii: "{"))
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

    mutating func array(_ body: (inout ChunkReader) throws(GiveUp) -> Void) throws(GiveUp) {
        try expect(UInt8(ascii: "["))
        if peek() == UInt8(ascii: "]") {
            position += 1
            return
        }
        repeat { try body(&self) } while try more(closing: UInt8(ascii: "]"))
    }

    private mutating func more(closing: UInt8) throws(GiveUp) -> Bool {
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

    /// A key without escapes (no chunk key has any), compared as bytes.
    struct Key {
        let bytes: UnsafeBufferPointer<UInt8>

        static func ~= (pattern: StaticString, key: Key) -> Bool {
            pattern.utf8CodeUnitCount == key.bytes.count
                && pattern.withUTF8Buffer { $0.elementsEqual(key.bytes) }
        }
    }

    private mutating func key() throws(GiveUp) -> Key {
        try expect(UInt8(ascii: "\""))
        let start = position
        while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
            if bytes[position] == UInt8(ascii: "\\") { throw GiveUp() }
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
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\""):
                defer { position += 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            case UInt8(ascii: "\\"):
                return try escapedString(from: start)
            case 0..<0x20:
                throw GiveUp()  // JSON forbids raw control characters
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
                return String(decoding: out, as: UTF8.self)
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
                    out.append(contentsOf: String(Character(unicode)).utf8)
                default: throw GiveUp()
                }
            case 0..<0x20: throw GiveUp()
            default: out.append(byte)
            }
        }
        throw GiveUp()
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

    mutating func optionalDouble() throws(GiveUp) -> Double? {
        if null() { return nil }
        guard let value = Double(try numberText()) else { throw GiveUp() }
        return value
    }

    private mutating func numberText() throws(GiveUp) -> Substring {
        skipWhitespace()
        let start = position
        while position < bytes.count, Self.isNumberByte(bytes[position]) { position += 1 }
        guard position > start else { throw GiveUp() }
        return Substring(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    private static func isNumberByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }

    /// Steps over any value, checking only its structure.
    mutating func skipValue() throws(GiveUp) {
        switch peek() {
        case UInt8(ascii: "{"): try object { reader, _ throws(GiveUp) in try reader.skipValue() }
        case UInt8(ascii: "["): try array { reader throws(GiveUp) in try reader.skipValue() }
        case UInt8(ascii: "\""): _ = try optionalString()
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
