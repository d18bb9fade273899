#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Reply events from an Ollama upstream: an `/api/chat` NDJSON stream, or a whole reply through
/// ``events(whole:)``. Ollama sends tool calls whole, so each becomes a start and one fragment.
package struct OllamaReplyDecoder: ReplyEventDecoder {
    private var lines = LineSplitter()
    private var toolCalls = 0
    private var done = false
    private let decoder = JSONCoding.decoder()

    package init() {}

    package mutating func feed(_ bytes: some Collection<UInt8>, into events: inout [ReplyEvent]) {
        guard !done else { return }
        var lines = LineSplitter()
        swap(&lines, &self.lines)
        defer { swap(&lines, &self.lines) }
        do {
            try lines.feed(bytes) { line in handle(line, into: &events) }
        } catch {
            fail("upstream sent a line longer than \(lines.maximumLineLength) bytes", into: &events)
        }
    }

    package mutating func finish(into events: inout [ReplyEvent]) {
        guard !done else { return }
        var lines = LineSplitter()
        swap(&lines, &self.lines)
        lines.finish { line in handle(line, into: &events) }
        swap(&lines, &self.lines)
        if !done { fail("upstream closed the stream before the response was complete", into: &events) }
    }

    /// The events of a whole (`stream: false`) reply.
    package static func events(whole reply: OllamaReplyChunk) -> [ReplyEvent] {
        var decoder = OllamaReplyDecoder()
        var events: [ReplyEvent] = []
        var reply = reply
        reply.done = true
        decoder.absorb(reply, into: &events)
        return events
    }

    private mutating func handle(_ line: UnsafeBufferPointer<UInt8>, into events: inout [ReplyEvent]) {
        guard !done, !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { return }
        guard
            let chunk = OllamaReplyChunk.scan(line)
                ?? (try? decoder.decode(OllamaReplyChunk.self, from: Data(String(decoding: line, as: UTF8.self).utf8)))
        else {
            fail("upstream sent a malformed stream line: \(String(decoding: line.prefix(200), as: UTF8.self))", into: &events)
            return
        }
        absorb(chunk, into: &events)
    }

    private mutating func absorb(_ chunk: OllamaReplyChunk, into events: inout [ReplyEvent]) {
        if let error = chunk.error, !error.isEmpty {
            fail(error, into: &events)
            return
        }
        if !chunk.reasoning.isEmpty { events.append(.reasoning(chunk.reasoning)) }
        if !chunk.text.isEmpty { events.append(.text(chunk.text)) }
        for call in chunk.message?.toolCalls ?? [] {
            guard toolCalls < ToolCallAssembler.maximumCalls else {
                fail("upstream sent more than \(ToolCallAssembler.maximumCalls) tool calls in one reply", into: &events)
                return
            }
            let arguments = OllamaToOpenAI.argumentsJSON(call.function.arguments)
            let id = ToolCallID.resolve(call.id, seed: "\(toolCalls):\(call.function.name):\(arguments)")
            events.append(.toolCallStarted(index: toolCalls, id: id, name: call.function.name))
            events.append(.toolArguments(index: toolCalls, fragment: arguments))
            toolCalls += 1
        }
        guard chunk.done == true else { return }
        done = true
        if chunk.promptEvalCount != nil || chunk.evalCount != nil {
            events.append(.usage(prompt: chunk.promptEvalCount.validCount, completion: chunk.evalCount.validCount))
        }
        events.append(.finished(toolCalls > 0 ? .toolCalls : chunk.doneReason == "length" ? .length : .stop))
    }

    private mutating func fail(_ message: String, into events: inout [ReplyEvent]) {
        done = true
        events.append(.failed(message))
    }
}
