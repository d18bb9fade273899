#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Turns whole OpenAI responses into Ollama replies.
public enum OpenAIToOllama {
    /// A non-streamed chat or text completion as one Ollama object.
    public static func reply(
        _ completion: OpenAICompletion, kind: OllamaReplyKind, model: String, start: Timestamp, end: Timestamp,
        showThinking: Bool = true
    ) throws(ToolCallError) -> [UInt8] {
        var shaper = ReplyShaper(showThinking: showThinking)
        let choice = completion.choices?.first
        var part = choice.map { shaper.absorb($0) } ?? ReplyShaper.Part()
        part.append(shaper.finish())
        let toolCalls = shaper.toolCalls.isEmpty ? nil : try shaper.toolCalls.take(finishReason: choice?.finishReason)
        let recorder = MetricsRecorder(start: start, firstToken: nil, usage: completion.usage, timings: completion.timings)
        return kind.encode(
            model: model, at: end, content: part.content, thinking: part.thinking.isEmpty ? nil : part.thinking, done: true,
            doneReason: ollamaDoneReason(choice?.finishReason), metrics: recorder.metrics(end: end), toolCalls: toolCalls,
            logprobs: part.logprobs.isEmpty ? nil : JSONObjectWriter.array(part.logprobs))
    }

    /// `/v1/embeddings` as `/api/embed`: vectors in input order, L2-normalised as Ollama's are.
    public static func embed(_ response: OpenAIEmbeddingsResponse, model: String, totalDuration: Int64) -> OllamaEmbedResponse {
        let ordered = response.data.enumerated().sorted { ($0.element.index ?? $0.offset) < ($1.element.index ?? $1.offset) }
        return OllamaEmbedResponse(
            model: model, embeddings: ordered.map { normalized($0.element.embedding) }, totalDuration: totalDuration,
            promptEvalCount: response.usage?.promptTokens)
    }

    /// `/v1/embeddings` as the legacy `/api/embeddings`: the first vector, as the upstream sent it.
    public static func embeddings(_ response: OpenAIEmbeddingsResponse) -> OllamaEmbeddingsResponse {
        OllamaEmbeddingsResponse(embedding: response.data.min { ($0.index ?? 0) < ($1.index ?? 0) }?.embedding ?? [])
    }

    static func normalized(_ vector: [Double]) -> [Double] {
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? vector.map { $0 / norm } : vector
    }
}
