/// A Messages API request body (`POST /v1/messages` and `/v1/messages/count_tokens`). Fields the
/// translator reads are typed; content stays `JSONValue` until translation walks it; every
/// other key lands in `extra`, to be reported.
package struct AnthropicRequest: Sendable, Equatable, Decodable {
    package struct Message: Sendable, Equatable, Decodable {
        package var role: String
        /// A string or an array of content blocks.
        package var content: JSONValue
    }

    package var model: String
    /// Required by `/v1/messages`, absent from `count_tokens`.
    package var maxTokens: Int?
    package var system: JSONValue?
    package var messages: [Message]
    package var tools: [JSONValue]?
    package var toolChoice: JSONValue?
    package var thinking: JSONValue?
    /// `effort` and `format` (structured output), the newer API's output settings.
    package var outputConfig: JSONValue?
    package var stopSequences: [String]?
    /// `temperature`, `top_p`, `top_k`: OpenAI-compatible servers take them under the same names.
    package var sampling: [String: JSONValue]
    package var stream: Bool
    package var extra: [String: JSONValue]

    static let samplingKeys = ["temperature", "top_p", "top_k"]
    static let known: Set<String> = Set(
        ["model", "max_tokens", "system", "messages", "tools", "tool_choice", "thinking", "output_config", "stop_sequences", "stream"]
            + samplingKeys)

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        model = try c.decode(String.self, forKey: .init("model"))
        if model.isEmpty { throw RequestError(.badRequest, "model: must not be empty") }
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .init("max_tokens"))
        if let maxTokens, maxTokens < 1 { throw RequestError(.badRequest, "max_tokens: must be at least 1") }
        system = try c.decodeIfPresent(JSONValue.self, forKey: .init("system"))
        messages = try c.decode([Message].self, forKey: .init("messages"))
        tools = try c.decodeIfPresent([JSONValue].self, forKey: .init("tools"))
        toolChoice = try c.decodeIfPresent(JSONValue.self, forKey: .init("tool_choice"))
        thinking = try c.decodeIfPresent(JSONValue.self, forKey: .init("thinking"))
        outputConfig = try c.decodeIfPresent(JSONValue.self, forKey: .init("output_config"))
        stopSequences = try c.decodeIfPresent([String].self, forKey: .init("stop_sequences"))
        sampling = try c.numbers(Self.samplingKeys) { RequestError(.badRequest, "\($0): must be a number") }
        stream = try c.decodeIfPresent(Bool.self, forKey: .init("stream")) ?? false
        extra = try c.unknownFields(excluding: Self.known)
    }
}
