/// Request bodies of the Ollama surface. Fields a translator reads are typed; every other key
/// lands in `extra`, so the translator can say what it did not carry over.

public struct OllamaMessage: Sendable, Equatable {
    public var role: String
    public var content: String
    public var images: [String]?
    public var thinking: String?
    public var toolCalls: JSONValue?
    public var toolName: String?
    public var toolCallID: String?
    public var extra: [String: JSONValue]

    public init(role: String, content: String, images: [String]? = nil) {
        self.role = role
        self.content = content
        self.images = images
        self.extra = [:]
    }
}

extension OllamaMessage: Decodable {
    private static let known: Set = ["role", "content", "images", "thinking", "tool_calls", "tool_name", "tool_call_id"]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        // Ollama lower-cases roles on decode.
        role = try c.decode(String.self, forKey: .init("role")).lowercased()
        content = try c.decodeIfPresent(String.self, forKey: .init("content")) ?? ""
        images = try c.decodeIfPresent([String].self, forKey: .init("images"))
        thinking = try c.decodeIfPresent(String.self, forKey: .init("thinking"))
        toolCalls = try c.decodeIfPresent(JSONValue.self, forKey: .init("tool_calls"))
        toolName = try c.decodeIfPresent(String.self, forKey: .init("tool_name"))
        toolCallID = try c.decodeIfPresent(String.self, forKey: .init("tool_call_id"))
        extra = try c.unknownFields(excluding: Self.known)
    }
}

/// The parts `/api/chat` and `/api/generate` share.
public struct OllamaGenerationParameters: Sendable, Equatable {
    public var model: String
    public var stream: Bool
    public var options: [String: JSONValue]
    public var keepAlive: KeepAlive?
    public var format: JSONValue?
    public var tools: JSONValue?
    public var think: JSONValue?
    public var logprobs: Bool?
    public var topLogprobs: Int?
    public var extra: [String: JSONValue]

    static let known: Set = ["model", "stream", "options", "keep_alive", "format", "tools", "think", "logprobs", "top_logprobs"]

    init(from c: KeyedDecodingContainer<AnyCodingKey>, known specific: Set<String>) throws {
        model = try c.decodeIfPresent(String.self, forKey: .init("model")) ?? ""
        // Ollama streams unless told `false`; absent and null both mean true.
        stream = try c.decodeIfPresent(Bool.self, forKey: .init("stream")) ?? true
        options = try c.decodeIfPresent([String: JSONValue].self, forKey: .init("options")) ?? [:]
        keepAlive = try c.decodeIfPresent(KeepAlive.self, forKey: .init("keep_alive"))
        format = try c.decodeIfPresent(JSONValue.self, forKey: .init("format"))
        tools = try c.decodeIfPresent(JSONValue.self, forKey: .init("tools"))
        think = try c.decodeIfPresent(JSONValue.self, forKey: .init("think"))
        logprobs = try c.decodeIfPresent(Bool.self, forKey: .init("logprobs"))
        topLogprobs = try c.decodeIfPresent(Int.self, forKey: .init("top_logprobs"))
        extra = try c.unknownFields(excluding: Self.known.union(specific))
    }
}

public struct OllamaChatRequest: Sendable, Equatable, Decodable {
    public var parameters: OllamaGenerationParameters
    public var messages: [OllamaMessage]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        parameters = try OllamaGenerationParameters(from: c, known: ["messages"])
        messages = try c.decodeIfPresent([OllamaMessage].self, forKey: .init("messages")) ?? []
    }
}

public struct OllamaGenerateRequest: Sendable, Equatable, Decodable {
    public var parameters: OllamaGenerationParameters
    public var prompt: String
    public var system: String?
    public var suffix: String?
    public var images: [String]?
    public var raw: Bool?
    public var template: String?
    public var context: [Int]?

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        parameters = try OllamaGenerationParameters(
            from: c, known: ["prompt", "system", "suffix", "images", "raw", "template", "context"])
        prompt = try c.decodeIfPresent(String.self, forKey: .init("prompt")) ?? ""
        system = try c.decodeIfPresent(String.self, forKey: .init("system"))
        suffix = try c.decodeIfPresent(String.self, forKey: .init("suffix"))
        images = try c.decodeIfPresent([String].self, forKey: .init("images"))
        raw = try c.decodeIfPresent(Bool.self, forKey: .init("raw"))
        template = try c.decodeIfPresent(String.self, forKey: .init("template"))
        context = try c.decodeIfPresent([Int].self, forKey: .init("context"))
    }
}

public struct OllamaEmbedRequest: Sendable, Equatable, Decodable {
    public var model: String
    /// One string or an array of strings, as sent.
    public var input: [String]
    public var truncate: Bool?
    public var dimensions: Int?
    public var keepAlive: KeepAlive?
    public var options: [String: JSONValue]
    public var extra: [String: JSONValue]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        model = try c.decodeIfPresent(String.self, forKey: .init("model")) ?? ""
        switch try c.decodeIfPresent(JSONValue.self, forKey: .init("input")) {
        case nil, .null: input = []
        case .string(let text): input = [text]
        case .array(let items):
            input = try items.map { item in
                guard case .string(let text) = item else { throw RequestError(.badRequest, "invalid input type") }
                return text
            }
        default: throw RequestError(.badRequest, "invalid input type")
        }
        truncate = try c.decodeIfPresent(Bool.self, forKey: .init("truncate"))
        dimensions = try c.decodeIfPresent(Int.self, forKey: .init("dimensions"))
        keepAlive = try c.decodeIfPresent(KeepAlive.self, forKey: .init("keep_alive"))
        options = try c.decodeIfPresent([String: JSONValue].self, forKey: .init("options")) ?? [:]
        extra = try c.unknownFields(excluding: ["model", "input", "truncate", "dimensions", "keep_alive", "options"])
    }
}

/// The legacy `/api/embeddings` body: one `prompt`, one vector back.
public struct OllamaEmbeddingsRequest: Sendable, Equatable, Decodable {
    public var model: String
    public var prompt: String
    public var keepAlive: KeepAlive?
    public var options: [String: JSONValue]

    enum CodingKeys: String, CodingKey {
        case model, prompt, options
        case keepAlive = "keep_alive"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model) ?? ""
        prompt = try c.decodeIfPresent(String.self, forKey: .prompt) ?? ""
        keepAlive = try c.decodeIfPresent(KeepAlive.self, forKey: .keepAlive)
        options = try c.decodeIfPresent([String: JSONValue].self, forKey: .options) ?? [:]
    }
}

/// `/api/show` takes `model`, or the older `name`.
public struct OllamaShowRequest: Sendable, Equatable, Decodable {
    public var model: String
    public var verbose: Bool

    enum CodingKeys: String, CodingKey { case model, name, verbose }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decodeIfPresent(String.self, forKey: .model) ?? c.decodeIfPresent(String.self, forKey: .name) ?? ""
        verbose = try c.decodeIfPresent(Bool.self, forKey: .verbose) ?? false
    }
}
