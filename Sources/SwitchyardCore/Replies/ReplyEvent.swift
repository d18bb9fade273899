/// What an upstream's reply says, in no dialect: the neutral middle between the two upstream
/// dialects (OpenAI chunks, Ollama lines) and the surfaces added after the first two (Anthropic
/// Messages, OpenAI Responses). A decoder per upstream dialect produces these; an encoder per
/// surface writes them in its own framing, so each new surface costs one encoder, not one per
/// upstream dialect.
///
/// Tool calls arrive as a start (index, id, name) and argument fragments that may interleave
/// with other calls' fragments; an encoder keeps calls apart by `index`.
package enum ReplyEvent: Sendable, Equatable {
    case text(String)
    case reasoning(String)
    case toolCallStarted(index: Int, id: String, name: String)
    case toolArguments(index: Int, fragment: String)
    /// Token counts as the upstream reported them; a later event replaces an earlier one.
    case usage(prompt: Int?, completion: Int?)
    /// The reply is complete. Always the last event of a reply that did not fail.
    case finished(FinishReason)
    /// The reply cannot be completed; the message says why. Always the last event.
    case failed(String)
}

/// Why a generation stopped, in OpenAI's vocabulary (the richest of the upstream dialects).
package enum FinishReason: Sendable, Equatable {
    case stop
    case length
    case toolCalls
    case contentFilter

    package init(openAI reason: String?) {
        switch reason {
        case "length": self = .length
        case "tool_calls", "function_call": self = .toolCalls
        case "content_filter": self = .contentFilter
        default: self = .stop
        }
    }
}

/// Turns an upstream's bytes into reply events.
package protocol ReplyEventDecoder: Sendable {
    mutating func feed(_ bytes: some Collection<UInt8>, into events: inout [ReplyEvent])
    /// The upstream's body ended: whatever remains, then `finished` or `failed`.
    mutating func finish(into events: inout [ReplyEvent])
}

/// Writes reply events in one surface's framing.
package protocol ReplyEventEncoder: Sendable {
    /// True once `finished` or `failed` was written; later events are ignored.
    var isFinished: Bool { get }
    mutating func encode(_ event: ReplyEvent, into out: inout [UInt8])
}

/// An upstream stream rewritten for a client of another surface, piece by piece: a decoder and
/// an encoder joined by reply events. Holds no more than each side holds on its own.
package struct ReplyStreamTranslator<Decoder: ReplyEventDecoder, Encoder: ReplyEventEncoder>: Sendable {
    private var decoder: Decoder
    private(set) package var encoder: Encoder
    private var events: [ReplyEvent] = []
    /// The last token counts the upstream reported.
    package private(set) var usage: (prompt: Int?, completion: Int?)?

    package init(decoder: Decoder, encoder: Encoder) {
        self.decoder = decoder
        self.encoder = encoder
    }

    package var isFinished: Bool { encoder.isFinished }

    package mutating func feed(_ bytes: some Collection<UInt8>) -> [UInt8] {
        guard !encoder.isFinished else { return [] }
        decoder.feed(bytes, into: &events)
        return drain()
    }

    package mutating func finish() -> [UInt8] {
        guard !encoder.isFinished else { return [] }
        decoder.finish(into: &events)
        var out = drain()
        if !encoder.isFinished {  // a decoder always ends with finished or failed; this is the backstop
            encoder.encode(.failed("upstream closed the stream before the response was complete"), into: &out)
        }
        return out
    }

    /// Ends the stream with an error, for failures the caller saw (a dropped connection).
    package mutating func fail(_ message: String) -> [UInt8] {
        var out: [UInt8] = []
        encoder.encode(.failed(message), into: &out)
        return out
    }

    private mutating func drain() -> [UInt8] {
        var out: [UInt8] = []
        for event in events {
            if case .usage(let prompt, let completion) = event { usage = (prompt, completion) }
            encoder.encode(event, into: &out)
        }
        events.removeAll(keepingCapacity: true)
        return out
    }
}
