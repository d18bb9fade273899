#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Which Ollama endpoint a reply is for: `/api/chat` wraps text in `message`, `/api/generate`
/// puts it in `response`.
public enum OllamaReplyKind: Sendable, Equatable {
    case chat
    case generate

    /// Writes one reply object (without a line terminator) in Ollama's own key order.
    /// `toolCalls` and `logprobs` are encoded JSON arrays; `asLine` ends the object with the
    /// newline of an NDJSON stream.
    func encode(
        model: String, at time: Timestamp, content: String, thinking: String?, done: Bool,
        doneReason: String? = nil, metrics: OllamaMetrics? = nil, toolCalls: [UInt8]? = nil, logprobs: [UInt8]? = nil,
        asLine: Bool = false, timePrefix: RFC3339SecondPrefix? = nil
    ) -> [UInt8] {
        var object = JSONObjectWriter(capacity: 128 + content.utf8.count + (thinking?.utf8.count ?? 0) + (toolCalls?.count ?? 0))
        object.field("model", model)
        object.field("created_at", time, prefix: timePrefix)
        switch self {
        case .chat:
            object.open("message")
            object.field("role", "assistant")
            object.field("content", content)
            if let thinking { object.field("thinking", thinking) }
            if let toolCalls { object.field("tool_calls", raw: toolCalls) }
            object.close()
        case .generate:
            object.field("response", content)
            if let thinking { object.field("thinking", thinking) }
            if let toolCalls { object.field("tool_calls", raw: toolCalls) }
        }
        object.field("done", done)
        if let doneReason { object.field("done_reason", doneReason) }
        if let metrics {
            object.field("total_duration", metrics.totalDuration)
            object.field("load_duration", metrics.loadDuration)
            object.field("prompt_eval_count", metrics.promptEvalCount.map(Int64.init))
            object.field("prompt_eval_duration", metrics.promptEvalDuration)
            object.field("eval_count", metrics.evalCount.map(Int64.init))
            object.field("eval_duration", metrics.evalDuration)
        }
        if let logprobs { object.field("logprobs", raw: logprobs) }
        return asLine ? object.finishedLine() : object.finished()
    }

    /// The object Ollama answers a request with no prompt with: the model is "loaded" (or
    /// "unloaded" for `keep_alive: 0`) and nothing is generated.
    public func loadReply(model: String, at time: Timestamp, unload: Bool) -> [UInt8] {
        encode(model: model, at: time, content: "", thinking: nil, done: true, doneReason: unload ? "unload" : "load")
    }
}

/// Ollama's `done_reason` for an OpenAI `finish_reason`.
public func ollamaDoneReason(_ finishReason: String?) -> String {
    finishReason == "length" ? "length" : "stop"
}

/// The figures of Ollama's final chunk. Token counts come from the upstream's `usage`;
/// durations from llama.cpp's `timings` when sent, else from what Switchyard measured itself
/// (time to the first token, and from there to the end). Nothing is estimated.
struct MetricsRecorder: Sendable {
    var start: Timestamp
    var firstToken: Timestamp?
    var usage: OpenAIUsage?
    var timings: LlamaTimings?

    /// Prompt and completion tokens, from `usage`, else llama.cpp's timings.
    /// Negative counts from a broken upstream are dropped.
    var tokenCounts: (prompt: Int?, completion: Int?) {
        (
            usage?.promptTokens.validCount ?? timings?.promptN.validCount,
            usage?.completionTokens.validCount ?? timings?.predictedN.validCount
        )
    }

    func metrics(end: Timestamp) -> OllamaMetrics {
        let firstToken = firstToken ?? end
        let tokens = tokenCounts
        return OllamaMetrics(
            totalDuration: end.nanoseconds(since: start),
            promptEvalCount: tokens.prompt,
            promptEvalDuration: timings?.promptMS.flatMap(Self.nanoseconds) ?? firstToken.nanoseconds(since: start),
            evalCount: tokens.completion,
            evalDuration: timings?.predictedMS.flatMap(Self.nanoseconds) ?? end.nanoseconds(since: firstToken))
    }

    /// The upstream's own timing, when it is one: a negative or non-finite figure is ignored and
    /// Switchyard's measurement used instead; a huge one saturates.
    private static func nanoseconds(_ milliseconds: Double) -> Int64? {
        guard milliseconds.isFinite, milliseconds >= 0 else { return nil }
        return Int64(saturating: milliseconds * 1e6)
    }
}

/// OpenAI chat logprobs in Ollama's shape: `{token, logprob, bytes, top_logprobs}` per token.
enum OllamaLogprobs {
    static func encode(_ tokens: [OpenAILogprobs.Token]) -> [[UInt8]] {
        tokens.map { token in
            var entry = JSONObjectWriter(capacity: 96)
            write(token.token, token.logprob, token.bytes, into: &entry)
            if let alternatives = token.topLogprobs {
                entry.field(
                    "top_logprobs",
                    raw: JSONObjectWriter.array(
                        alternatives.map { alternative in
                            var item = JSONObjectWriter(capacity: 64)
                            write(alternative.token, alternative.logprob, alternative.bytes, into: &item)
                            return item.finished()
                        }))
            }
            return entry.finished()
        }
    }

    private static func write(_ token: String, _ logprob: Double, _ bytes: [Int]?, into object: inout JSONObjectWriter) {
        object.field("token", token)
        object.field("logprob", logprob)
        if let bytes { object.field("bytes", raw: JSONObjectWriter.array(bytes.map { Array(String($0).utf8) })) }
    }
}
