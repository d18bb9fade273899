#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension FuzzTargets {
    /// What a parser made of `pieces` fed in turn, then finished; nil when it refused them
    /// (past its size limit it drops what it held, and where that happens depends on the
    /// chunking, so only unrefused runs are compared).
    static func collect<Item>(_ pieces: [ArraySlice<UInt8>], feed: (ArraySlice<UInt8>) throws -> [Item], finish: () -> [Item]) -> [Item]? {
        var items: [Item] = []
        for piece in pieces {
            guard let more = try? feed(piece) else { return nil }
            items += more
        }
        return items + finish()
    }

    /// Any bytes, any chunking: no crash, and the events are those of the whole input at once.
    static func sseParser(_ input: [UInt8]) {
        let chunked = Chunked(input)
        func events(_ pieces: [ArraySlice<UInt8>]) -> [SSEEvent]? {
            var parser = SSEParser(maximumEventSize: 4096)
            return collect(pieces, feed: { try parser.feed($0) }, finish: { parser.finish() })
        }
        if let whole = events([chunked.body[...]]), let pieces = events(chunked.chunks) {
            require(whole == pieces, "SSE events differ between chunkings")
        }
    }

    static func lineSplitter(_ input: [UInt8]) {
        let chunked = Chunked(input)
        func lines(_ pieces: [ArraySlice<UInt8>]) -> [[UInt8]]? {
            var splitter = LineSplitter(maximumLineLength: 4096)
            return collect(pieces, feed: { try splitter.feed($0) }, finish: { splitter.finish() })
        }
        if let whole = lines([chunked.body[...]]), let pieces = lines(chunked.chunks) {
            require(whole == pieces, "lines differ between chunkings")
            for line in pieces { require(!line.contains(UInt8(ascii: "\n")), "a line holds a newline") }
        }
    }

    /// An OpenAI stream of any bytes, in any chunking, translated for an Ollama client: the
    /// output is the same whatever the chunking, every line is one JSON object, and the stream
    /// always ends — with a `done:true` object or an `{"error"}` line — never silently.
    static func sseToNDJSON(_ input: [UInt8]) {
        let chunked = Chunked(input)
        func run(_ pieces: [ArraySlice<UInt8>]) -> [UInt8] {
            var translator = SSEToNDJSONTranslator(kind: .chat, model: "m", start: fuzzTime)
            var out: [UInt8] = []
            for piece in pieces { out += translator.feed(piece, at: fuzzTime) }
            out += translator.finish(at: fuzzTime)
            return out
        }
        let whole = run([chunked.body[...]])
        let pieces = run(chunked.chunks)
        require(whole == pieces, "NDJSON output differs between chunkings")
        var sawEnd = false
        for line in pieces.split(separator: UInt8(ascii: "\n")) {
            let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(line))
            require(object != nil, "an output line is not a JSON object: \(String(decoding: line, as: UTF8.self))")
            if object?["done"] == .bool(true) || object?["error"] != nil { sawEnd = true }
        }
        require(sawEnd, "the stream ended without a final object or an error line")
    }

    static func ndjsonToSSE(_ input: [UInt8]) {
        let chunked = Chunked(input)
        func run(_ pieces: [ArraySlice<UInt8>]) -> [UInt8] {
            var translator = NDJSONToSSETranslator(kind: .chat, model: "m", id: "chatcmpl-1", created: 1, includeUsage: true)
            var out: [UInt8] = []
            for piece in pieces { out += translator.feed(piece) }
            out += translator.finish()
            return out
        }
        let whole = run([chunked.body[...]])
        let pieces = run(chunked.chunks)
        require(whole == pieces, "SSE output differs between chunkings")
        var parser = SSEParser()
        let events = ((try? parser.feed(pieces)) ?? []) + parser.finish()
        for event in events where !event.isDone {
            let object = try? JSONDecoder().decode([String: JSONValue].self, from: Data(event.data.utf8))
            require(object != nil, "an output event is not a JSON object: \(event.data)")
        }
        let last = events.last.flatMap { try? JSONDecoder().decode([String: JSONValue].self, from: Data($0.data.utf8)) }
        require(events.last?.isDone == true || last?["error"] != nil, "the stream ended without [DONE] or an error event")
    }
}
