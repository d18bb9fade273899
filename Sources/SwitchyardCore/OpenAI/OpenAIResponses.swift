#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What the translators read from an OpenAI-compatible upstream. Only the fields used are
/// declared; JSONDecoder skips the rest, which keeps the per-chunk hot path cheap.

public struct OpenAIUsage: Sendable, Equatable, Decodable {
    public var promptTokens: Int?
    public var completionTokens: Int?

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
    }
}

/// llama.cpp's `timings` object: the server's own measurement of prompt and generation time.
public struct LlamaTimings: Sendable, Equatable, Decodable {
    public var promptN: Int?
    public var promptMS: Double?
    public var predictedN: Int?
    public var predictedMS: Double?

    enum CodingKeys: String, CodingKey {
        case promptN = "prompt_n"
        case promptMS = "prompt_ms"
        case predictedN = "predicted_n"
        case predictedMS = "predicted_ms"
    }
}

/// The text-bearing part of a message or a delta. Reasoning arrives under different names
/// depending on the server: llama.cpp and DeepSeek say `reasoning_content`, vLLM and Ollama
/// `reasoning`, OpenRouter adds `reasoning_details[].text`.
public struct OpenAIMessageText: Sendable, Equatable, Decodable {
    public struct ReasoningDetail: Sendable, Equatable, Decodable {
        public var text: String?
    }

    public var content: String?
    public var reasoningContent: String?
    public var reasoning: String?
    public var reasoningDetails: [ReasoningDetail]?
    public var toolCalls: [OpenAIToolCallFragment]?

    enum CodingKeys: String, CodingKey {
        case content, reasoning
        case reasoningContent = "reasoning_content"
        case reasoningDetails = "reasoning_details"
        case toolCalls = "tool_calls"
    }

    /// The reasoning text, whichever field carried it (servers that send two carry the same text).
    public var thinking: String? {
        if let text = reasoningContent ?? reasoning { return text }
        let details = reasoningDetails?.compactMap(\.text) ?? []
        return details.isEmpty ? nil : details.joined()
    }
}

/// A tool call in a message, or a fragment of one in a streamed delta: the first fragment
/// names the call (`index`, `id`, `function.name`), later ones only add to `arguments`.
public struct OpenAIToolCallFragment: Sendable, Equatable, Decodable {
    public struct Function: Sendable, Equatable, Decodable {
        public var name: String?
        /// A piece of a JSON document. Servers that send the arguments as an object (against
        /// the spec) get them re-encoded here.
        public var arguments: String?

        enum CodingKeys: String, CodingKey { case name, arguments }

        public init(name: String?, arguments: String?) {
            self.name = name
            self.arguments = arguments
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decodeIfPresent(String.self, forKey: .name)
            switch try c.decodeIfPresent(JSONValue.self, forKey: .arguments) {
            case nil, .null: arguments = nil
            case .string(let text): arguments = text
            case let value?:
                guard let bytes = value.encodedBytes() else {
                    throw DecodingError.dataCorruptedError(forKey: .arguments, in: c, debugDescription: "arguments hold a number JSON cannot")
                }
                arguments = String(decoding: bytes, as: UTF8.self)
            }
        }
    }

    public var index: Int?
    public var id: String?
    public var function: Function?

    public init(index: Int?, id: String?, function: Function?) {
        self.index = index
        self.id = id
        self.function = function
    }

    /// The call this fragment belongs to, given the indexes of the calls seen so far in order:
    /// its own `index`, else (whole calls in a message, or a lax server) a new call when it
    /// names one, else the last call.
    func callIndex(after indexes: some BidirectionalCollection<Int>) -> Int {
        if let index { return index }
        if id == nil, function?.name == nil, let last = indexes.last { return last }
        return (indexes.max() ?? -1).addingSaturated(1)
    }
}

/// Chat `logprobs`: one entry per generated token.
public struct OpenAILogprobs: Sendable, Equatable, Decodable {
    public struct Token: Sendable, Equatable, Decodable {
        public struct Alternative: Sendable, Equatable, Decodable {
            public var token: String
            public var logprob: Double
            public var bytes: [Int]?
        }

        public var token: String
        public var logprob: Double
        public var bytes: [Int]?
        public var topLogprobs: [Alternative]?

        enum CodingKeys: String, CodingKey {
            case token, logprob, bytes
            case topLogprobs = "top_logprobs"
        }
    }

    public var content: [Token]?
}

public struct OpenAIChoice: Sendable, Equatable, Decodable {
    public var index: Int? = nil
    public var message: OpenAIMessageText? = nil
    public var delta: OpenAIMessageText? = nil
    /// `/v1/completions` puts its text here.
    public var text: String? = nil
    public var finishReason: String? = nil
    /// Only chat logprobs are read; `/v1/completions` has an older shape, left unread.
    public var logprobs: OpenAILogprobs? = nil

    enum CodingKeys: String, CodingKey {
        case index, message, delta, text, logprobs
        case finishReason = "finish_reason"
    }

    init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        index = try c.decodeIfPresent(Int.self, forKey: .index)
        message = try c.decodeIfPresent(OpenAIMessageText.self, forKey: .message)
        delta = try c.decodeIfPresent(OpenAIMessageText.self, forKey: .delta)
        text = try c.decodeIfPresent(String.self, forKey: .text)
        finishReason = try c.decodeIfPresent(String.self, forKey: .finishReason)
        logprobs = try? c.decodeIfPresent(OpenAILogprobs.self, forKey: .logprobs)
    }
}

/// A whole completion or one streamed chunk; they differ only in `message` vs `delta`.
public struct OpenAICompletion: Sendable, Equatable, Decodable {
    public var choices: [OpenAIChoice]?
    public var usage: OpenAIUsage?
    public var timings: LlamaTimings?
    public var error: OpenAIErrorBody?
}

/// An error object as OpenAI-compatible servers send it, in a body or mid-stream.
public struct OpenAIErrorBody: Sendable, Equatable, Decodable {
    public var message: String

    public init(from decoder: any Decoder) throws {
        // Some servers send `"error": "text"`, others `"error": {"message": …}`.
        if let text = try? decoder.singleValueContainer().decode(String.self) {
            message = text
            return
        }
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        message = try c.decodeIfPresent(String.self, forKey: .init("message")) ?? "unknown upstream error"
    }

    /// The message of a `{"error": …}` body, if the body is one.
    public static func message(in body: [UInt8]) -> String? {
        struct Envelope: Decodable { var error: OpenAIErrorBody? }
        return (try? JSONCoding.decoder().decode(Envelope.self, from: Data(body)))?.error?.message
    }
}

public struct OpenAIEmbeddingsResponse: Sendable, Equatable, Decodable {
    public struct Item: Sendable, Equatable, Decodable {
        public var index: Int?
        public var embedding: [Double]
    }

    public var data: [Item]
    public var usage: OpenAIUsage?
}

public struct OpenAIModelList: Sendable, Equatable, Decodable {
    public struct Model: Sendable, Equatable, Decodable {
        public var id: String
        public var created: Int64?
        public var ownedBy: String?
        /// llama.cpp's extra facts about the loaded model.
        public var meta: [String: JSONValue]?

        enum CodingKeys: String, CodingKey {
            case id, created, meta
            case ownedBy = "owned_by"
        }
    }

    public var data: [Model]
}
