#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Converts an OpenAI chat-completion SSE stream into Ollama's NDJSON stream, incrementally.
///
/// A value-type state machine in the style of AsyncHTTPClient's: the caller feeds the bytes it
/// received and writes the bytes returned; it never holds more than one unfinished event.
/// - a chunk with text or reasoning becomes a `done:false` object;
/// - `finish_reason`, `usage` and llama.cpp's `timings` are remembered, and `[DONE]` (or the end
///   of the stream, if the upstream does not send `[DONE]`) produces the final `done:true`
///   object with its metrics;
/// - an error event, a malformed chunk or a stream cut before any `finish_reason` produces an
///   Ollama error line (`{"error":"…"}`) and ends the stream, as Ollama itself does mid-stream.
public struct SSEToNDJSONTranslator: Sendable {
    public let kind: OllamaReplyKind
    /// The model name exactly as the client sent it; Ollama echoes it verbatim.
    public let model: String
    private var parser = SSEParser()
    private var recorder: MetricsRecorder
    private var finishReason: String?
    private var shaper: ReplyShaper
    private var timePrefix = RFC3339SecondPrefix()
    public private(set) var isFinished = false
    private let decoder = JSONCoding.decoder()

    /// Token counts the upstream reported, once it has.
    public var usage: (prompt: Int?, completion: Int?)? {
        let tokens = recorder.tokenCounts
        return tokens.prompt == nil && tokens.completion == nil ? nil : tokens
    }

    /// `showThinking: false` (the client's `think: false`) drops reasoning an upstream sends anyway.
    public init(kind: OllamaReplyKind, model: String, start: Timestamp, showThinking: Bool = true) {
        self.kind = kind
        self.model = model
        self.recorder = MetricsRecorder(start: start)
        self.shaper = ReplyShaper(showThinking: showThinking)
    }

    /// Feeds bytes from the upstream; returns NDJSON bytes for the client (possibly none).
    public mutating func feed(_ bytes: some Collection<UInt8>, at time: Timestamp) -> [UInt8] {
        guard !isFinished else { return [] }
        var out: [UInt8] = []
        // The parser is moved out while it calls back into `self`, which translates each event
        // as it is dispatched, reading its data where the parser holds it.
        var parser = SSEParser()
        swap(&parser, &self.parser)
        defer { swap(&parser, &self.parser) }
        do {
            try parser.feed(bytes) { event in handle(event, into: &out, at: time) }
        } catch {
            out += fail("upstream sent an event larger than \(parser.maximumEventSize) bytes", at: time)
        }
        return out
    }

    /// The upstream's stream ended; returns what remains to be written.
    public mutating func finish(at time: Timestamp) -> [UInt8] {
        guard !isFinished else { return [] }
        var out: [UInt8] = []
        var parser = SSEParser()
        swap(&parser, &self.parser)
        parser.finish { event in handle(event, into: &out, at: time) }
        swap(&parser, &self.parser)
        guard !isFinished else { return out }
        if finishReason != nil {
            out += finalLine(at: time)  // a finished generation whose `[DONE]` got lost
        } else {
            out += fail("upstream closed the stream before the response was complete", at: time)
        }
        return out
    }

    /// Ends the stream with an error line, for failures the caller saw (a dropped connection).
    public mutating func fail(_ message: String, at time: Timestamp) -> [UInt8] {
        guard !isFinished else { return [] }
        isFinished = true
        return OllamaError.line(message)
    }

    private mutating func handle(_ event: borrowing SSEParser.EventView, into out: inout [UInt8], at time: Timestamp) {
        guard !isFinished else { return }
        if event.isDone {
            out += finalLine(at: time)
            return
        }
        let chunk: OpenAICompletion
        switch OpenAICompletion.read(event, decoder: decoder) {
        case .success(let read): chunk = read
        case .failure(let failure):
            out += fail(failure.message, at: time)
            return
        }
        if let error = chunk.error {
            out += fail(error.message, at: time)
            return
        }
        let produced = translate(chunk, at: time)
        if out.isEmpty { out = produced } else { out += produced }  // one event per feed is the rule: no copy
    }

    private mutating func translate(_ chunk: OpenAICompletion, at time: Timestamp) -> [UInt8] {
        if let usage = chunk.usage { recorder.usage = usage }
        if let timings = chunk.timings { recorder.timings = timings }
        guard let choices = chunk.choices, !choices.isEmpty else { return [] }
        var out = line(shaper.absorb(choices[0]), at: time)
        if let reason = choices[0].finishReason {
            finishReason = reason
            out += toolCallLine(at: time)
        }
        return out
    }

    private mutating func line(_ part: ReplyShaper.Part, at time: Timestamp) -> [UInt8] {
        guard !part.isEmpty else { return [] }
        if recorder.firstToken == nil { recorder.firstToken = time }
        return kind.encode(
            model: model, at: time, content: part.content, thinking: part.thinking.isEmpty ? nil : part.thinking, done: false,
            logprobs: part.logprobs.isEmpty ? nil : JSONObjectWriter.array(part.logprobs), asLine: true, timePrefix: stamp(time))
    }

    /// Whole tool calls in one `done:false` object, as Ollama sends them — or, when the upstream's
    /// arguments are unusable, the error line that ends the stream.
    private mutating func toolCallLine(at time: Timestamp) -> [UInt8] {
        guard !shaper.toolCalls.isEmpty else { return [] }
        do {
            let calls = try shaper.toolCalls.take(finishReason: finishReason)
            return kind.encode(
                model: model, at: time, content: "", thinking: nil, done: false, toolCalls: calls, asLine: true, timePrefix: stamp(time))
        } catch {
            return fail(error.message, at: time)
        }
    }

    private mutating func finalLine(at time: Timestamp) -> [UInt8] {
        var out = line(shaper.finish(), at: time) + toolCallLine(at: time)
        guard !isFinished else { return out }
        isFinished = true
        out += kind.encode(
            model: model, at: time, content: "", thinking: nil, done: true, doneReason: ollamaDoneReason(finishReason),
            metrics: recorder.metrics(end: time), asLine: true, timePrefix: stamp(time))
        return out
    }

    private mutating func stamp(_ time: Timestamp) -> RFC3339SecondPrefix {
        timePrefix.update(for: time)
        return timePrefix
    }
}

/// Ollama's error body, `{"error":"…"}`.
public enum OllamaError {
    public static func body(_ message: String) -> [UInt8] {
        (try? Array(JSONCoding.encoder().encode(["error": message]))) ?? Array(#"{"error":"unknown error"}"#.utf8)
    }

    /// The same object as an NDJSON line, the way Ollama ends a stream that failed.
    public static func line(_ message: String) -> [UInt8] { body(message) + [UInt8(ascii: "\n")] }
}
