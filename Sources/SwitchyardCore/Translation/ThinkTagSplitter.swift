/// Separates reasoning that an upstream left inline — a reply that opens with
/// `<think>…</think>` — from the answer, incrementally: a tag split across chunks is held back
/// until it can be told apart from text, never more.
public struct ThinkTagSplitter: Sendable, Equatable {
    enum State: Sendable, Equatable {
        /// Nothing but whitespace (or the start of `<think>`) seen yet.
        case start
        case thinking
        /// Just after `</think>`: whitespace between the reasoning and the answer is dropped.
        case answerStart
        case answer
    }

    static let open = "<think>"
    static let close = "</think>"

    private(set) var state = State.start
    /// Text that may be the beginning of a tag.
    private var held = ""

    public init() {}

    public mutating func feed(_ text: String) -> (thinking: String, content: String) {
        if state == .answer, held.isEmpty { return ("", text) }  // the common case, free
        // A reply that starts with anything but whitespace or `<` has no tag to find.
        if state == .start, held.isEmpty, let first = text.utf8.first, first != UInt8(ascii: "<"), !Self.isSpace(first) {
            state = .answer
            return ("", text)
        }
        var input = held + text
        held = ""
        var thinking = ""
        var content = ""
        while !input.isEmpty {
            switch state {
            case .start:
                let trimmed = input.drop(while: \.isWhitespace)
                if trimmed.hasPrefix(Self.open) {
                    input = String(trimmed.dropFirst(Self.open.count))
                    state = .thinking
                } else if Self.open.hasPrefix(trimmed) {
                    held = input  // only whitespace, or a tag not yet complete
                    return (thinking, content)
                } else {
                    state = .answer
                }
            case .thinking:
                if let range = input.firstRange(of: Self.close) {
                    thinking += input[..<range.lowerBound]
                    input = String(input[range.upperBound...])
                    state = .answerStart
                } else {
                    let keep = Self.partialTagLength(at: input, tag: Self.close)
                    thinking += input.dropLast(keep)
                    held = String(input.suffix(keep))
                    return (thinking, content)
                }
            case .answerStart:
                input = String(input.drop(while: \.isWhitespace))
                if !input.isEmpty { state = .answer }
            case .answer:
                content += input
                input = ""
            }
        }
        return (thinking, content)
    }

    /// The stream ended: whatever was held back is text after all.
    public mutating func finish() -> (thinking: String, content: String) {
        defer { held = "" }
        switch state {
        case .thinking: return (held, "")
        case .start, .answerStart, .answer: return ("", held)
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// How many characters at the end of `text` could be the start of `tag`.
    static func partialTagLength(at text: String, tag: String) -> Int {
        for length in stride(from: min(tag.count - 1, text.count), to: 0, by: -1) where tag.hasPrefix(text.suffix(length)) {
            return length
        }
        return 0
    }
}
