import AsyncHTTPClient
import Hummingbird
import NIOCore
import SwitchyardCore

/// What a relay does to each piece of an upstream stream: pass it on, or translate it.
protocol StreamTransform: Sendable {
    mutating func feed(_ buffer: ByteBuffer, at time: Timestamp) -> ByteBuffer?
    /// The upstream body ended normally.
    mutating func finish(at time: Timestamp) -> ByteBuffer?
    /// The upstream failed mid-stream; the returned bytes tell the client so in its dialect.
    mutating func fail(_ message: String, at time: Timestamp) -> ByteBuffer?
    /// Token counts, when the stream told them.
    var usage: (prompt: Int?, completion: Int?)? { get }
}

extension StreamTransform {
    var usage: (prompt: Int?, completion: Int?)? { nil }
}

/// Copies a streamed upstream body to the client as it arrives.
///
/// Each chunk is written as soon as it is read, and the next is read only when the client took
/// the previous one (AsyncHTTPClient's body sequence and Hummingbird's writer both apply
/// backpressure), so nothing is buffered. When the client hangs up, the inbound-close handler
/// cancels this task, which cancels the upstream request and with it the generation.
enum StreamRelay {
    static func body(
        relaying upstream: UpstreamResponse, for request: Request, from client: UpstreamClient, transform: some StreamTransform
    ) -> ResponseBody {
        let trace = RequestTrace.current  // the body runs after the handler, outside its task-locals
        return ResponseBody { writer in
            try await request.body.consumeWithCancellationOnInboundClose { _ in
                var transform = transform
                var chunks = upstream.body.makeAsyncIterator()
                while true {
                    let next: ByteBuffer?
                    do {
                        next = try await chunks.next()
                    } catch {
                        let cutByShutdown = client.drain.isExpired
                        if Task.isCancelled, !cutByShutdown { throw CancellationError() }
                        let message =
                            cutByShutdown
                            ? "switchyard is shutting down: the stream was cut after the drain timeout"
                            : "upstream \(client.base) failed mid-stream: \(error)"
                        trace?.update { $0.upstreamError = "mid_stream" }
                        // A body with no framing of its own has no way to carry an error: the
                        // response is broken off (no final chunk), so the client cannot take a
                        // short body for a whole one.
                        guard let out = transform.fail(message, at: .now()) else { throw UpstreamStreamFailure(message: message) }
                        try await writer.write(out)
                        break
                    }
                    guard let buffer = next else {
                        if let out = transform.finish(at: .now()) { try await writer.write(out) }
                        if let usage = transform.usage {
                            trace?.update {
                                $0.promptTokens = usage.prompt
                                $0.completionTokens = usage.completion
                            }
                        }
                        break
                    }
                    if let out = transform.feed(buffer, at: .now()) { try await writer.write(out) }
                }
            }
            try await writer.finish(nil)
        }
    }
}

/// Thrown from a relay to end the client's response abnormally.
struct UpstreamStreamFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Same dialect on both sides: bytes go through untouched. A failure mid-stream is reported in
/// the stream's own framing, so clients raise an error instead of seeing a silent truncation.
struct PassThroughTransform: StreamTransform {
    enum Framing { case sse, ndjson, opaque }
    let framing: Framing
    /// Whose error event ends a failed SSE stream: the Anthropic SDKs ignore an unnamed
    /// `data:` error, so `/v1/messages` streams end with `event: error` instead.
    let surface: APIDialect
    /// Whether the bytes sent so far end a line, so an error line can follow without
    /// corrupting a half-written one or adding an empty line (which NDJSON readers reject).
    private var atLineStart = true

    init(contentType: String?, surface: APIDialect = .openAI) {
        framing = Self.framing(of: contentType)
        self.surface = surface
    }

    static func framing(of contentType: String?) -> Framing {
        guard let contentType else { return .opaque }
        // Every forwarded answer asks this: compared in place, ASCII case folded, no lowercased copy.
        let type = contentType.utf8
        func matches(at start: String.UTF8View.Index, _ needle: String) -> Bool {
            var index = start
            for expected in needle.utf8 {
                guard index != type.endIndex else { return false }
                let byte = type[index]
                guard (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 == expected : byte == expected else { return false }
                index = type.index(after: index)
            }
            return true
        }
        if matches(at: type.startIndex, "text/event-stream") { return .sse }
        return type.indices.contains { matches(at: $0, "ndjson") } ? .ndjson : .opaque
    }

    static func isStream(contentType: String?) -> Bool { framing(of: contentType) != .opaque }

    mutating func feed(_ buffer: ByteBuffer, at time: Timestamp) -> ByteBuffer? {
        if let last = buffer.readableBytesView.last { atLineStart = last == UInt8(ascii: "\n") }
        return buffer
    }

    func finish(at time: Timestamp) -> ByteBuffer? { nil }

    func fail(_ message: String, at time: Timestamp) -> ByteBuffer? {
        switch framing {
        case .sse:
            ByteBuffer(
                bytes: Array("\n\n".utf8)
                    + (surface == .anthropic ? AnthropicError.event(message: message, status: 502) : OpenAIError.event(message: message)))
        case .ndjson: ByteBuffer(bytes: (atLineStart ? [] : [UInt8(ascii: "\n")]) + OllamaError.line(message))
        case .opaque: nil
        }
    }
}

/// An OpenAI SSE stream rewritten as Ollama NDJSON.
struct OllamaStreamTransform: StreamTransform {
    var translator: SSEToNDJSONTranslator

    mutating func feed(_ buffer: ByteBuffer, at time: Timestamp) -> ByteBuffer? {
        Self.buffer(translator.feed(buffer.readableBytesView, at: time))
    }

    mutating func finish(at time: Timestamp) -> ByteBuffer? { Self.buffer(translator.finish(at: time)) }
    mutating func fail(_ message: String, at time: Timestamp) -> ByteBuffer? { Self.buffer(translator.fail(message, at: time)) }
    var usage: (prompt: Int?, completion: Int?)? { translator.usage }

    private static func buffer(_ bytes: [UInt8]) -> ByteBuffer? { bytes.isEmpty ? nil : ByteBuffer(bytes: bytes) }
}
