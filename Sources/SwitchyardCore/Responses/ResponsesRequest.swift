/// A Responses API request body (`POST /v1/responses`), stateless: a conversation that refers to
/// a stored one (`previous_response_id`, `conversation`) is refused, since nothing is stored.
package struct ResponsesRequest: Sendable, Equatable, Decodable {
    package var model: String
    /// A string, or an array of input items.
    package var input: JSONValue
    package var instructions: String?
    package var tools: [JSONValue]?
    package var toolChoice: JSONValue?
    package var maxOutputTokens: Int?
    /// `temperature` and `top_p`, under the same names in chat completions.
    package var sampling: [String: JSONValue]
    package var reasoning: JSONValue?
    package var text: JSONValue?
    package var parallelToolCalls: Bool?
    package var metadata: JSONValue?
    package var user: String?
    package var stream: Bool
    package var extra: [String: JSONValue]

    static let known: Set<String> = [
        "model", "input", "instructions", "tools", "tool_choice", "max_output_tokens", "temperature", "top_p", "reasoning", "text",
        "parallel_tool_calls", "metadata", "user", "stream", "truncation", "store", "previous_response_id", "conversation", "background",
    ]

    package init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyCodingKey.self)
        model = try c.decode(String.self, forKey: .init("model"))
        if model.isEmpty { throw RequestError(.badRequest, "'model' must not be empty") }
        for key in ["previous_response_id", "conversation"] {
            if let value = try c.decodeIfPresent(JSONValue.self, forKey: .init(key)), value != .null {
                throw RequestError(
                    .badRequest, "'\(key)' is not supported: Switchyard stores no responses; send the whole conversation in 'input'")
            }
        }
        if try c.decodeIfPresent(Bool.self, forKey: .init("background")) == true {
            throw RequestError(.badRequest, "'background' is not supported: Switchyard stores no responses to poll")
        }
        let truncation = try c.decodeIfPresent(String.self, forKey: .init("truncation"))
        guard truncation == nil || truncation == "disabled" || truncation == "auto" else {
            throw RequestError(.badRequest, "'truncation' must be 'auto' or 'disabled'")
        }
        input = try c.decodeIfPresent(JSONValue.self, forKey: .init("input")) ?? .null
        instructions = try c.decodeIfPresent(String.self, forKey: .init("instructions"))
        tools = try c.decodeIfPresent([JSONValue].self, forKey: .init("tools"))
        toolChoice = try c.decodeIfPresent(JSONValue.self, forKey: .init("tool_choice"))
        maxOutputTokens = try c.decodeIfPresent(Int.self, forKey: .init("max_output_tokens"))
        if let maxOutputTokens, maxOutputTokens < 1 { throw RequestError(.badRequest, "'max_output_tokens' must be at least 1") }
        sampling = try c.numbers(["temperature", "top_p"]) { RequestError(.badRequest, "'\($0)' must be a number") }
        reasoning = try c.decodeIfPresent(JSONValue.self, forKey: .init("reasoning"))
        text = try c.decodeIfPresent(JSONValue.self, forKey: .init("text"))
        parallelToolCalls = try c.decodeIfPresent(Bool.self, forKey: .init("parallel_tool_calls"))
        metadata = try c.decodeIfPresent(JSONValue.self, forKey: .init("metadata"))
        user = try c.decodeIfPresent(String.self, forKey: .init("user"))
        stream = try c.decodeIfPresent(Bool.self, forKey: .init("stream")) ?? false
        var extra = try c.unknownFields(excluding: Self.known)
        // `store: true` asks for what is not done; `false` is what happens anyway.
        if try c.decodeIfPresent(Bool.self, forKey: .init("store")) == true { extra["store"] = true }
        // `auto` asks the server to drop the oldest input when the context is full; the upstream
        // does what it does (llama-server refuses an overlong prompt), so it is reported.
        if truncation == "auto" { extra["truncation"] = "auto" }
        self.extra = extra
    }
}
