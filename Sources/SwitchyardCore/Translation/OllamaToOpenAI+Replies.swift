#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Ollama replies rewritten as OpenAI responses, for OpenAI clients over an Ollama upstream.
extension OllamaToOpenAI {
    /// A whole `/api/chat` reply as a `chat.completion`.
    public static func chatCompletion(_ reply: OllamaReplyChunk, model: String, id: String, created: Int64) -> [UInt8] {
        var message = JSONObjectWriter(capacity: 128)
        message.field("role", "assistant")
        message.field("content", reply.text)  // always a string, "" when only tools were called
        if !reply.reasoning.isEmpty {
            message.field("reasoning_content", reply.reasoning)
            message.field("reasoning", reply.reasoning)
        }
        let calls = reply.message?.toolCalls ?? []
        if !calls.isEmpty {
            message.field("tool_calls", raw: JSONObjectWriter.array(calls.enumerated().map { toolCall($1, index: $0, includeIndex: false) }))
        }
        var choice = JSONObjectWriter(capacity: 128)
        choice.field("index", Int64(0))
        choice.field("message", object: message)
        choice.field("finish_reason", finishReason(reply.doneReason, toolCalls: calls.count))
        return completion(object: "chat.completion", choice: choice, reply: reply, model: model, id: id, created: created)
    }

    /// A whole `/api/generate` reply as a legacy `text_completion`.
    public static func textCompletion(_ reply: OllamaReplyChunk, model: String, id: String, created: Int64) -> [UInt8] {
        var choice = JSONObjectWriter(capacity: 128)
        choice.field("index", Int64(0))
        choice.field("text", reply.text)
        choice.null("logprobs")
        choice.field("finish_reason", finishReason(reply.doneReason, toolCalls: 0))
        return completion(object: "text_completion", choice: choice, reply: reply, model: model, id: id, created: created)
    }

    private static func completion(
        object kind: String, choice: consuming JSONObjectWriter, reply: OllamaReplyChunk, model: String, id: String, created: Int64
    ) -> [UInt8] {
        var object = JSONObjectWriter()
        object.field("id", id)
        object.field("object", kind)
        object.field("created", created)
        object.field("model", model)
        object.field("choices", raw: JSONObjectWriter.array([choice.finished()]))
        object.field("usage", raw: usage(reply))
        return object.finished()
    }

    /// `/api/embed` as `/v1/embeddings`, in the encoding the client asked for.
    public static func embeddings(_ vectors: [[Double]], promptTokens: Int?, model: String, encoding: OpenAIEmbeddingsRequest.Encoding) -> [UInt8] {
        let items = vectors.enumerated().map { index, vector in
            var item = JSONObjectWriter(capacity: vector.count * 12 + 64)
            item.field("object", "embedding")
            item.field("index", Int64(index))
            switch encoding {
            case .float: item.field("embedding", raw: JSONObjectWriter.numbers(vector))
            case .base64: item.field("embedding", base64Float32(vector))
            }
            return item.finished()
        }
        var usage = JSONObjectWriter(capacity: 64)
        usage.field("prompt_tokens", Int64(promptTokens.validCount ?? 0))
        usage.field("total_tokens", Int64(promptTokens.validCount ?? 0))
        var object = JSONObjectWriter()
        object.field("object", "list")
        object.field("data", raw: JSONObjectWriter.array(items))
        object.field("model", model)
        object.field("usage", object: usage)
        return object.finished()
    }

    /// OpenAI's base64 embedding form: little-endian float32s.
    static func base64Float32(_ vector: [Double]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            let bits = Float(value).bitPattern.littleEndian
            bytes.append(contentsOf: [
                UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8), UInt8(truncatingIfNeeded: bits >> 16),
                UInt8(truncatingIfNeeded: bits >> 24),
            ])
        }
        return Data(bytes).base64EncodedString()
    }

    /// One `/v1/models` entry for an Ollama model name.
    public static func modelObject(id: String, modifiedAt: String?) -> [UInt8] {
        var object = JSONObjectWriter(capacity: 128)
        object.field("id", id)
        object.field("object", "model")
        object.field("created", modifiedAt.flatMap(Timestamp.unixSeconds(rfc3339:)) ?? 0)
        // Ollama's `owned_by` is the name's namespace, `library` for official models.
        let path = id.split(separator: ":").first.map(String.init) ?? id
        let parts = path.split(separator: "/")
        object.field("owned_by", parts.count >= 2 ? String(parts[parts.count - 2]) : "library")
        return object.finished()
    }

    public static func modelList(_ models: [(id: String, modifiedAt: String?)]) -> [UInt8] {
        var object = JSONObjectWriter()
        object.field("object", "list")
        object.field("data", raw: JSONObjectWriter.array(models.map { modelObject(id: $0.id, modifiedAt: $0.modifiedAt) }))
        return object.finished()
    }

    static func toolCall(_ call: OllamaToolCall, index: Int, includeIndex: Bool) -> [UInt8] {
        let arguments = argumentsJSON(call.function.arguments)
        var function = JSONObjectWriter(capacity: 128)
        function.field("name", call.function.name)
        function.field("arguments", arguments)
        var object = JSONObjectWriter(capacity: 192)
        if includeIndex { object.field("index", Int64(index)) }
        object.field("id", ToolCallID.resolve(call.id, seed: "\(index):\(call.function.name):\(arguments)"))
        object.field("type", "function")
        object.field("function", object: function)
        return object.finished()
    }

    static func argumentsJSON(_ arguments: JSONValue?) -> String {
        guard let arguments, arguments != .null else { return "{}" }
        return arguments.encodedBytes().map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func usage(_ reply: OllamaReplyChunk) -> [UInt8] {
        var usage = JSONObjectWriter(capacity: 96)
        let prompt = Int64(reply.promptEvalCount.validCount ?? 0)
        let completion = Int64(reply.evalCount.validCount ?? 0)
        usage.field("prompt_tokens", prompt)
        usage.field("completion_tokens", completion)
        usage.field("total_tokens", prompt.addingSaturated(completion))
        return usage.finished()
    }

    /// OpenAI's `finish_reason`: `tool_calls` when the model called tools (Ollama says `stop`).
    static func finishReason(_ doneReason: String?, toolCalls: Int) -> String {
        if toolCalls > 0 { return "tool_calls" }
        return doneReason == "length" ? "length" : "stop"
    }
}
