#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Converts an Ollama NDJSON reply stream into OpenAI's SSE stream, incrementally.
///
/// The mirror of ``SSEToNDJSONTranslator``: a value type fed the bytes as they arrive, returning
/// the bytes to write. Ollama chunks become `chat.completion.chunk` events (or `text_completion`
/// events for legacy completions): `role` in the first delta, text deltas, reasoning as both
/// `reasoning_content` and `reasoning` (the two names client families read), tool calls whole
/// with an `index` and an id, then a finish chunk with `finish_reason`, a usage chunk when the
/// client asked for one, and `data: [DONE]`. An Ollama `{"error":…}` line becomes an SSE error
/// event that the OpenAI SDKs raise — Ollama's own `/v1` layer swallows it.
public struct NDJSONToSSETranslator: Sendable {
    public enum Kind: Sendable { case chat, completion }

    public let kind: Kind
    let model: String
    let id: String
    let created: Int64
    let includeUsage: Bool
    private var lines = LineSplitter()
    private var sentRole = false
    private var toolCalls = 0
    public private(set) var isFinished = false
    /// Token counts from the final native chunk.
    public private(set) var usage: (prompt: Int?, completion: Int?)?
    private let decoder = JSONCoding.decoder()

    public init(kind: Kind, model: String, id: String, created: Int64, includeUsage: Bool) {
        self.kind = kind
        self.model = model
        self.id = id
        self.created = created
        self.includeUsage = includeUsage
    }

    public mutating func feed(_ bytes: some Collection<UInt8>) -> [UInt8] {
        guard !isFinished else { return [] }
        var out: [UInt8] = []
        // The splitter is moved out while it calls back into `self`, which translates each line
        // in place.
        var lines = LineSplitter()
        swap(&lines, &self.lines)
        defer { swap(&lines, &self.lines) }
        do {
            try lines.feed(bytes) { line in handle(line, into: &out) }
        } catch {
            out += fail("upstream sent a line longer than \(lines.maximumLineLength) bytes")
        }
        return out
    }

    public mutating func finish() -> [UInt8] {
        guard !isFinished else { return [] }
        var out: [UInt8] = []
        var lines = LineSplitter()
        swap(&lines, &self.lines)
        lines.finish { line in handle(line, into: &out) }
        swap(&lines, &self.lines)
        guard !isFinished else { return out }
        return out + fail("upstream closed the stream before the response was complete")
    }

    public mutating func fail(_ message: String) -> [UInt8] {
        guard !isFinished else { return [] }
        isFinished = true
        return OpenAIError.event(message: message)
    }

    private mutating func handle(_ line: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        guard !isFinished, !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) else { return }
        // Invalid UTF-8 is read with replacement characters, as the SSE direction does.
        guard
            let chunk = OllamaReplyChunk.scan(line)
                ?? (try? decoder.decode(OllamaReplyChunk.self, from: Data(String(decoding: line, as: UTF8.self).utf8)))
        else {
            out += fail("upstream sent a malformed stream line: \(String(decoding: line.prefix(200), as: UTF8.self))")
            return
        }
        if let error = chunk.error, !error.isEmpty {
            out += fail(error)
            return
        }
        let produced = translate(chunk)
        if out.isEmpty { out = produced } else { out += produced }
    }

    private mutating func translate(_ chunk: OllamaReplyChunk) -> [UInt8] {
        var out: [UInt8] = []
        switch kind {
        case .chat:
            // Reasoning and text in one native chunk go out as two events, reasoning first.
            if !chunk.reasoning.isEmpty { out += event(reasoning: chunk.reasoning) }
            if !chunk.text.isEmpty { out += event(content: chunk.text) }
            if let calls = chunk.message?.toolCalls, !calls.isEmpty {
                let encoded = calls.map { call in
                    defer { toolCalls += 1 }
                    return OllamaToOpenAI.toolCall(call, index: toolCalls, includeIndex: true)
                }
                out += event(content: "", toolCalls: JSONObjectWriter.array(encoded))
            }
        case .completion:
            if !chunk.text.isEmpty { out += event(text: chunk.text, finishReason: nil) }
        }
        guard chunk.done == true else { return out }

        isFinished = true
        usage = (chunk.promptEvalCount.validCount, chunk.evalCount.validCount)
        let reason = OllamaToOpenAI.finishReason(chunk.doneReason, toolCalls: toolCalls)
        switch kind {
        case .chat:
            if !sentRole { out += event(content: "") }
            out += event(emptyDelta: true, finishReason: reason)
        case .completion:
            out += event(text: "", finishReason: reason)
        }
        if includeUsage {
            var usageChunk = header()
            usageChunk.field("choices", raw: JSONObjectWriter.emptyArray)
            usageChunk.field("usage", raw: OllamaToOpenAI.usage(chunk))
            out += usageChunk.finished(suffix: "\n\n")
        }
        return out + Array("data: [DONE]\n\n".utf8)
    }

    /// One `chat.completion.chunk` event, written straight into one buffer.
    private mutating func event(
        content: String? = nil, reasoning: String? = nil, toolCalls: [UInt8]? = nil, emptyDelta: Bool = false, finishReason: String? = nil
    ) -> [UInt8] {
        var object = header(capacity: 192 + (content?.utf8.count ?? 0) + 2 * (reasoning?.utf8.count ?? 0) + (toolCalls?.count ?? 0))
        object.openArray("choices")
        object.openElement()
        object.field("index", Int64(0))
        object.open("delta")
        if !emptyDelta {
            if !sentRole {
                object.field("role", "assistant")
                sentRole = true
            }
            object.field("content", content ?? "")
            if let reasoning {
                object.field("reasoning_content", reasoning)
                object.field("reasoning", reasoning)
            }
            if let toolCalls { object.field("tool_calls", raw: toolCalls) }
        }
        object.close()
        if let finishReason { object.field("finish_reason", finishReason) } else { object.null("finish_reason") }
        object.close()
        object.closeArray()
        return object.finished(suffix: "\n\n")
    }

    private func header(capacity: Int = 256) -> JSONObjectWriter {
        var object = JSONObjectWriter(capacity: capacity, prefix: "data: ")
        object.field("id", id)
        object.field("object", kind == .chat ? "chat.completion.chunk" : "text_completion")
        object.field("created", created)
        object.field("model", model)
        return object
    }

    private func event(text: String, finishReason: String?) -> [UInt8] {
        var object = header(capacity: 192 + text.utf8.count)
        object.openArray("choices")
        object.openElement()
        object.field("index", Int64(0))
        object.field("text", text)
        object.null("logprobs")
        if let finishReason { object.field("finish_reason", finishReason) } else { object.null("finish_reason") }
        object.close()
        object.closeArray()
        return object.finished(suffix: "\n\n")
    }
}
