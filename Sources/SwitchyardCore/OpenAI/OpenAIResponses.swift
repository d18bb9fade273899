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
/// depending on the server: llama.cpp and DeepSeek say `reasoning_content`, vLLM and
/// OpenRouter `reasoning`.
public struct OpenAIMessageText: Sendable, Equatable, Decodable {
    public var content: String?
    public var reasoningContent: String?
    public var reasoning: String?
    public var toolCalls: JSONValue?

    enum CodingKeys: String, CodingKey {
        case content
        case reasoningContent = "reasoning_content"
        case reasoning
        case toolCalls = "tool_calls"
    }

    public var thinking: String? { reasoningContent ?? reasoning }
}

public struct OpenAIChoice: Sendable, Equatable, Decodable {
    public var index: Int?
    public var message: OpenAIMessageText?
    public var delta: OpenAIMessageText?
    /// `/v1/completions` puts its text here.
    public var text: String?
    public var finishReason: String?

    enum CodingKeys: String, CodingKey {
        case index, message, delta, text
        case finishReason = "finish_reason"
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
