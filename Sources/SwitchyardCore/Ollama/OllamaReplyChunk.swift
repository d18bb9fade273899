/// One object of an Ollama `/api/chat` or `/api/generate` reply, streamed or whole, as the
/// reverse translator reads it. Undeclared fields are skipped.
public struct OllamaReplyChunk: Sendable, Equatable, Decodable {
    public struct Message: Sendable, Equatable, Decodable {
        public var content: String?
        public var thinking: String?
        public var toolCalls: [OllamaToolCall]?

        enum CodingKeys: String, CodingKey {
            case content, thinking
            case toolCalls = "tool_calls"
        }
    }

    public var message: Message?
    /// `/api/generate` text.
    public var response: String?
    /// `/api/generate` reasoning.
    public var thinking: String?
    public var done: Bool?
    public var doneReason: String?
    public var promptEvalCount: Int?
    public var evalCount: Int?
    public var createdAt: String?
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case message, response, thinking, done, error
        case doneReason = "done_reason"
        case promptEvalCount = "prompt_eval_count"
        case evalCount = "eval_count"
        case createdAt = "created_at"
    }

    public var text: String { message?.content ?? response ?? "" }
    public var reasoning: String { message?.thinking ?? thinking ?? "" }
}

/// A native tool call: whole, with `arguments` as a JSON object.
public struct OllamaToolCall: Sendable, Equatable, Decodable {
    public struct Function: Sendable, Equatable, Decodable {
        public var name: String
        public var arguments: JSONValue?
    }

    public var id: String?
    public var function: Function
}

/// The parts of `/api/embed`, `/api/tags` and `/api/show` answers the reverse translator reads.
public struct OllamaEmbedReply: Sendable, Equatable, Decodable {
    public var embeddings: [[Double]]
    public var promptEvalCount: Int?

    enum CodingKeys: String, CodingKey {
        case embeddings
        case promptEvalCount = "prompt_eval_count"
    }
}

public struct OllamaTagsReply: Sendable, Equatable, Decodable {
    public struct Model: Sendable, Equatable, Decodable {
        public var name: String?
        public var model: String?
        public var modifiedAt: String?

        enum CodingKeys: String, CodingKey {
            case name, model
            case modifiedAt = "modified_at"
        }
    }

    public var models: [Model]
}

public struct OllamaShowReply: Sendable, Equatable, Decodable {
    public var modifiedAt: String?

    enum CodingKeys: String, CodingKey { case modifiedAt = "modified_at" }
}
