#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The surfaces added through reply events: any upstream bytes, in any chunking, written as an
/// Anthropic or a Responses stream. Ids a translator makes up are random but of fixed length,
/// so the outputs of two chunkings are compared by length and by their events' names.
extension FuzzTargets {
    static func sseToAnthropic(_ input: [UInt8]) { surfaceStream(input, ollama: false, anthropic: true) }
    static func sseToResponses(_ input: [UInt8]) { surfaceStream(input, ollama: false, anthropic: false) }
    static func ndjsonToSurfaces(_ input: [UInt8]) {
        surfaceStream(input, ollama: true, anthropic: true)
        surfaceStream(input, ollama: true, anthropic: false)
    }

    private static func surfaceStream(_ input: [UInt8], ollama: Bool, anthropic: Bool) {
        let chunked = Chunked(input)
        func run(_ pieces: [ArraySlice<UInt8>]) -> [UInt8] {
            if anthropic {
                let encoder = AnthropicStreamEncoder(id: "msg_1", model: "m")
                return ollama
                    ? translate(ReplyStreamTranslator(decoder: OllamaReplyDecoder(), encoder: encoder), pieces)
                    : translate(ReplyStreamTranslator(decoder: OpenAIReplyDecoder(), encoder: encoder), pieces)
            }
            let encoder = ResponsesStreamEncoder(echo: ResponsesEcho(id: "resp_1", model: "m", createdAt: 1))
            return ollama
                ? translate(ReplyStreamTranslator(decoder: OllamaReplyDecoder(), encoder: encoder), pieces)
                : translate(ReplyStreamTranslator(decoder: OpenAIReplyDecoder(), encoder: encoder), pieces)
        }
        let whole = run([chunked.body[...]])
        let pieces = run(chunked.chunks)
        let names = eventNames(pieces)
        require(whole.count == pieces.count && eventNames(whole) == names, "the stream differs between chunkings")
        let ends = anthropic ? ["message_stop", "error"] : ["response.completed", "response.incomplete", "response.failed"]
        require(names.last.map(ends.contains) == true, "the stream ended without its final event: \(names.suffix(3))")
        if anthropic { checkBlocks(pieces) }
    }

    private static func translate<D, E>(_ translator: ReplyStreamTranslator<D, E>, _ pieces: [ArraySlice<UInt8>]) -> [UInt8] {
        var translator = translator
        var out: [UInt8] = []
        for piece in pieces { out += translator.feed(piece) }
        out += translator.finish()
        return out
    }

    /// Every event's data is a JSON object whose `type` is the event's name.
    private static func eventNames(_ bytes: [UInt8]) -> [String] {
        var parser = SSEParser(maximumEventSize: .max)
        let events = ((try? parser.feed(bytes)) ?? []) + parser.finish()
        return events.map { event in
            let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(event.data.utf8))
            require(object?["type"]?.stringValue == event.event, "event \(event.event ?? "") has data \(event.data.prefix(200))")
            return event.event ?? ""
        }
    }

    /// Anthropic blocks never overlap, and go up by one.
    private static func checkBlocks(_ bytes: [UInt8]) {
        var parser = SSEParser(maximumEventSize: .max)
        var open: Int64?
        var next: Int64 = 0
        for event in ((try? parser.feed(bytes)) ?? []) + parser.finish() {
            let index = (try? JSONDecoder().decode([String: JSONValue].self, from: Data(event.data.utf8)))?["index"]?.intValue
            switch event.event {
            case "content_block_start":
                require(open == nil && index == next, "a block starts while another is open, or out of order")
                open = index
                next += 1
            case "content_block_delta": require(index != nil && index == open, "a delta to a block that is not open")
            case "content_block_stop":
                require(index == open, "a stop for a block that is not open")
                open = nil
            case "message_delta": require(open == nil, "message_delta with a block open")
            default: break
            }
        }
    }

    /// Any JSON as an Anthropic or a Responses request: translated or refused, never a trap;
    /// any JSON as a whole upstream reply: a message and a response, or a clear failure.
    static func surfaceRequest(_ input: [UInt8]) {
        if let request = try? JSONCoding.decodeRequest(AnthropicRequest.self, from: input) {
            if let translated = try? AnthropicToOpenAI.chat(request) { _ = JSONValue.object(translated.body).encodedBytes() }
            _ = try? AnthropicToOpenAI.countTokens(request)
        }
        if let request = try? JSONCoding.decodeRequest(ResponsesRequest.self, from: input),
            let translated = try? ResponsesToOpenAI.chat(request)
        {
            _ = JSONValue.object(translated.body).encodedBytes()
            _ = ResponsesEcho(id: "r", model: "m", createdAt: 1, request: request).response(status: "completed", output: ResponsesOutput())
        }
        var events: [ReplyEvent] = []
        if let completion = try? JSONDecoder().decode(OpenAICompletion.self, from: Data(input)) {
            events = OpenAIReplyDecoder.events(whole: completion)
        } else if let reply = try? JSONDecoder().decode(OllamaReplyChunk.self, from: Data(input)) {
            events = OllamaReplyDecoder.events(whole: reply)
        }
        var builder = AnthropicMessageBuilder()
        builder.add(events)
        if let message = try? builder.message(id: "m", model: "m", showThinking: true) {
            require((try? JSONDecoder().decode([String: JSONValue].self, from: Data(message))) != nil, "a message that is not JSON")
        }
        var encoder = ResponsesStreamEncoder(echo: ResponsesEcho(id: "r", model: "m", createdAt: 1), streams: false)
        var unused: [UInt8] = []
        for event in events { encoder.encode(event, into: &unused) }
        require(unused.isEmpty, "a whole response wrote stream events")
    }

    /// A derived model made from the body's own fields, laid over the same body on every
    /// surface: never a trap, and what it gives back is still JSON.
    static func derivedModel(_ input: [UInt8]) {
        guard let object = (try? JSONCoding.decodeRequest(JSONValue.self, from: input))?.objectValue else { return }
        let model =
            (try? DerivedModel.create(object))
            ?? DerivedModel(system: "s", parameters: ["temperature": .double(0.5), "stop": .string("x"), "num_predict": .int(4)])
        for path in ["/api/chat", "/api/generate", "/v1/chat/completions", "/v1/completions", "/v1/messages", "/v1/responses"] {
            var body = object
            guard let surface = DerivedModel.Surface(path: path), (try? model.apply(to: &body, on: surface)) != nil else { continue }
            require(
                JSONValue.object(body).encodedBytes() != nil || JSONValue.object(object).encodedBytes() == nil, "apply made a body that is not JSON")
        }
        var show = UpstreamModelInfo(id: "m").show(requestedName: "m", fallbackUnixSeconds: 0)
        model.describe(&show, from: "u/m")
    }
}
