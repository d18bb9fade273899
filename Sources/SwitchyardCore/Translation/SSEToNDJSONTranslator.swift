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
    public private(set) var isFinished = false
    private let decoder = JSONCoding.decoder()

    /// Token counts the upstream reported, once it has.
    public var usage: (prompt: Int?, completion: Int?)? {
        let tokens = recorder.tokenCounts
        return tokens.prompt == nil && tokens.completion == nil ? nil : tokens
    }

    public init(kind: OllamaReplyKind, model: String, start: Timestamp) {
        self.kind = kind
        self.model = model
        self.recorder = MetricsRecorder(start: start)
    }

    /// Feeds bytes from the upstream; returns NDJSON bytes for the client (possibly none).
    public mutating func feed(_ bytes: some Collection<UInt8>, at time: Timestamp) -> [UInt8] {
        guard !isFinished else { return [] }
        do {
            return handle(try parser.feed(bytes), at: time)
        } catch {
            return fail("upstream sent an event larger than \(parser.maximumEventSize) bytes", at: time)
        }
    }

    /// The upstream's stream ended; returns what remains to be written.
    public mutating func finish(at time: Timestamp) -> [UInt8] {
        guard !isFinished else { return [] }
        var out = handle(parser.finish(), at: time)
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

    private mutating func handle(_ events: [SSEEvent], at time: Timestamp) -> [UInt8] {
        var out: [UInt8] = []
        for event in events where !isFinished {
            if event.isDone {
                out += finalLine(at: time)
                continue
            }
            if event.event == "error" {
                let message = OpenAIErrorBody.message(in: Array(event.data.utf8)) ?? String(event.data.prefix(500))
                out += fail(message, at: time)
                continue
            }
            let chunk: OpenAICompletion
            do {
                chunk = try decoder.decode(OpenAICompletion.self, from: Data(event.data.utf8))
            } catch {
                out += fail("upstream sent a malformed stream chunk: \(event.data.prefix(200))", at: time)
                continue
            }
            if let error = chunk.error {
                out += fail(error.message, at: time)
                continue
            }
            out += translate(chunk, at: time)
        }
        return out
    }

    private mutating func translate(_ chunk: OpenAICompletion, at time: Timestamp) -> [UInt8] {
        if let usage = chunk.usage { recorder.usage = usage }
        if let timings = chunk.timings { recorder.timings = timings }
        guard let choice = chunk.choices?.first else { return [] }
        if let reason = choice.finishReason { finishReason = reason }
        let delta = choice.delta ?? choice.message
        let content = delta?.content ?? choice.text ?? ""
        let thinking = delta?.thinking ?? ""
        guard !content.isEmpty || !thinking.isEmpty else { return [] }
        if recorder.firstToken == nil { recorder.firstToken = time }
        var line = kind.encode(
            model: model, at: time, content: content, thinking: thinking.isEmpty ? nil : thinking, done: false)
        line.append(UInt8(ascii: "\n"))
        return line
    }

    private mutating func finalLine(at time: Timestamp) -> [UInt8] {
        isFinished = true
        var line = kind.encode(
            model: model, at: time, content: "", thinking: nil, done: true, doneReason: ollamaDoneReason(finishReason),
            metrics: recorder.metrics(end: time))
        line.append(UInt8(ascii: "\n"))
        return line
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
