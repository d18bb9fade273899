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
    func encode(
        model: String, at time: Timestamp, content: String, thinking: String?, done: Bool,
        doneReason: String? = nil, metrics: OllamaMetrics? = nil
    ) -> [UInt8] {
        var object = JSONObjectWriter()
        object.field("model", model)
        object.field("created_at", time.rfc3339)
        switch self {
        case .chat:
            var message = JSONObjectWriter(capacity: 64)
            message.field("role", "assistant")
            message.field("content", content)
            if let thinking { message.field("thinking", thinking) }
            object.field("message", object: message)
        case .generate:
            object.field("response", content)
            if let thinking { object.field("thinking", thinking) }
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
        return object.finished()
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
    var tokenCounts: (prompt: Int?, completion: Int?) {
        (usage?.promptTokens ?? timings?.promptN, usage?.completionTokens ?? timings?.predictedN)
    }

    func metrics(end: Timestamp) -> OllamaMetrics {
        let firstToken = firstToken ?? end
        let tokens = tokenCounts
        return OllamaMetrics(
            totalDuration: end.nanoseconds(since: start),
            promptEvalCount: tokens.prompt,
            promptEvalDuration: timings?.promptMS.map(Self.nanoseconds) ?? firstToken.nanoseconds(since: start),
            evalCount: tokens.completion,
            evalDuration: timings?.predictedMS.map(Self.nanoseconds) ?? end.nanoseconds(since: firstToken))
    }

    private static func nanoseconds(_ milliseconds: Double) -> Int64 { Int64((milliseconds * 1e6).rounded()) }
}
