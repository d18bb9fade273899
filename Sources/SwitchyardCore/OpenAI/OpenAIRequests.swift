/// Request bodies of the OpenAI surface, for translation to an Ollama upstream. Fields the
/// translator reads are typed; every other key lands in `extra`, to be reported or refused.

public struct OpenAIChatMessage: Sendable, Equatable, Decodable {
    public var role: String
    /// A string, an array of content parts, or null (allowed with `tool_calls`).
    public var content: JSONValue
    public var name: String?
    public var toolCalls: [OpenAIToolCall]?
    public var toolCallID: String?
    /// Assistant reasoning replayed in history: `reasoning` (Ollama, vLLM) or `reasoning_content` (DeepSeek, llama.cpp).
    public var reasoning: String?
    public var extra: [String: JSONValue]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        role = try c.decode(String.self, forKey: .init("role"))
        content = try c.decodeIfPresent(JSONValue.self, forKey: .init("content")) ?? .null
        name = try c.decodeIfPresent(String.self, forKey: .init("name"))
        toolCalls = try c.decodeIfPresent([OpenAIToolCall].self, forKey: .init("tool_calls"))
        toolCallID = try c.decodeIfPresent(String.self, forKey: .init("tool_call_id"))
        reasoning =
            try c.decodeIfPresent(String.self, forKey: .init("reasoning"))
            ?? c.decodeIfPresent(String.self, forKey: .init("reasoning_content"))
        extra = try c.unknownFields(excluding: ["role", "content", "name", "tool_calls", "tool_call_id", "reasoning", "reasoning_content"])
    }
}

public struct OpenAIToolCall: Sendable, Equatable, Decodable {
    public struct Function: Sendable, Equatable, Decodable {
        public var name: String
        /// A JSON document in a string, as OpenAI sends it.
        public var arguments: String?
    }

    public var id: String?
    public var function: Function
}

/// What chat and legacy completions share: sampling, limits, streaming.
public struct OpenAIGenerationParameters: Sendable, Equatable {
    public var model: String
    public var stream: Bool
    public var includeUsage: Bool
    public var maxTokens: Int?
    public var stop: [String]?
    /// Sampling fields copied into Ollama's `options` under the same name.
    public var sampling: [String: JSONValue]
    public var n: Int?
    public var extra: [String: JSONValue]

    /// OpenAI names whose Ollama option has the same name and meaning; the later ones are the
    /// llama.cpp/vLLM extensions some OpenAI clients send.
    static let samplingKeys = [
        "temperature", "top_p", "seed", "presence_penalty", "frequency_penalty",
        "top_k", "min_p", "typical_p", "repeat_penalty", "repeat_last_n",
    ]
    static let known = Set(["model", "stream", "stream_options", "max_tokens", "max_completion_tokens", "stop", "n"] + samplingKeys)

    init(from c: KeyedDecodingContainer<AnyCodingKey>, known specific: Set<String>) throws {
        model = try c.decode(String.self, forKey: .init("model"))
        if model.isEmpty { throw RequestError(.badRequest, "'model' must not be empty") }
        stream = try c.decodeIfPresent(Bool.self, forKey: .init("stream")) ?? false
        let streamOptions = try c.decodeIfPresent([String: JSONValue].self, forKey: .init("stream_options"))
        includeUsage = streamOptions?["include_usage"]?.boolValue ?? false
        maxTokens =
            try c.decodeIfPresent(Int.self, forKey: .init("max_completion_tokens"))
            ?? c.decodeIfPresent(Int.self, forKey: .init("max_tokens"))
        switch try c.decodeIfPresent(JSONValue.self, forKey: .init("stop")) {
        case nil, .null: stop = nil
        case .string(let one): stop = [one]
        case .array(let items):
            stop = try items.map { item in
                guard let text = item.stringValue else {
                    throw RequestError(.badRequest, "invalid request: 'stop' must be a string or an array of strings")
                }
                return text
            }
        default: throw RequestError(.badRequest, "invalid request: 'stop' must be a string or an array of strings")
        }
        sampling = try c.numbers(Self.samplingKeys) { RequestError(.badRequest, "invalid request: '\($0)' must be a number") }
        n = try c.decodeIfPresent(Int.self, forKey: .init("n"))
        extra = try c.unknownFields(excluding: Self.known.union(specific))
    }
}

public struct OpenAIChatRequest: Sendable, Equatable, Decodable {
    public var parameters: OpenAIGenerationParameters
    public var messages: [OpenAIChatMessage]
    public var tools: JSONValue?
    public var toolChoice: JSONValue?
    public var responseFormat: JSONValue?
    public var reasoningEffort: String?

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        parameters = try OpenAIGenerationParameters(
            from: c, known: ["messages", "tools", "tool_choice", "response_format", "reasoning_effort", "reasoning"])
        messages = try c.decode([OpenAIChatMessage].self, forKey: .init("messages"))
        tools = try c.decodeIfPresent(JSONValue.self, forKey: .init("tools"))
        toolChoice = try c.decodeIfPresent(JSONValue.self, forKey: .init("tool_choice"))
        responseFormat = try c.decodeIfPresent(JSONValue.self, forKey: .init("response_format"))
        // `reasoning: {effort}` (the Responses-style object) wins over `reasoning_effort`.
        let reasoning = try c.decodeIfPresent(JSONValue.self, forKey: .init("reasoning"))
        reasoningEffort = try reasoning?["effort"]?.stringValue ?? c.decodeIfPresent(String.self, forKey: .init("reasoning_effort"))
    }
}

public struct OpenAICompletionRequest: Sendable, Equatable, Decodable {
    public var parameters: OpenAIGenerationParameters
    public var prompt: String
    public var suffix: String?

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        parameters = try OpenAIGenerationParameters(from: c, known: ["prompt", "suffix"])
        switch try c.decodeIfPresent(JSONValue.self, forKey: .init("prompt")) {
        case .string(let text): prompt = text
        case .array(let items) where items.count == 1 && items[0].stringValue != nil: prompt = items[0].stringValue!
        case .array: throw RequestError(.badRequest, "invalid request: an Ollama upstream takes one 'prompt' string per request")
        case nil, .null: prompt = ""
        default: throw RequestError(.badRequest, "invalid request: 'prompt' must be a string")
        }
        suffix = try c.decodeIfPresent(String.self, forKey: .init("suffix"))
    }
}

public struct OpenAIEmbeddingsRequest: Sendable, Equatable, Decodable {
    public enum Encoding: String, Sendable { case float, base64 }

    public var model: String
    public var input: [String]
    public var dimensions: Int?
    public var encoding: Encoding
    public var extra: [String: JSONValue]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        model = try c.decode(String.self, forKey: .init("model"))
        if model.isEmpty { throw RequestError(.badRequest, "'model' must not be empty") }
        let invalid = RequestError(.badRequest, "invalid request: 'input' must be a string or an array of strings (token arrays are not supported)")
        switch try c.decodeIfPresent(JSONValue.self, forKey: .init("input")) {
        case .string(let text): input = [text]
        case .array(let items) where !items.isEmpty:
            input = try items.map { item in
                guard let text = item.stringValue else { throw invalid }
                return text
            }
        default: throw invalid
        }
        dimensions = try c.decodeIfPresent(Int.self, forKey: .init("dimensions"))
        let format = try c.decodeIfPresent(String.self, forKey: .init("encoding_format")) ?? "float"
        guard let encoding = Encoding(rawValue: format) else {
            throw RequestError(.badRequest, "invalid request: 'encoding_format' must be 'float' or 'base64', not '\(format)'")
        }
        self.encoding = encoding
        extra = try c.unknownFields(excluding: ["model", "input", "dimensions", "encoding_format"])
    }
}
