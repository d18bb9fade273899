#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What a request translation needs to know about the upstream besides the model's id.
public struct UpstreamTraits: Sendable, Equatable {
    /// llama.cpp and vLLM read `chat_template_kwargs` (`enable_thinking`); a hosted API would
    /// refuse the unknown field, so it is only sent where it is understood.
    public var acceptsTemplateKwargs: Bool
    /// `tool_choice` for requests that carry tools, from configuration: Ollama's API has no such
    /// field, and a small local model may need `required` to call tools at all.
    public var defaultToolChoice: String?
    /// The model is known to reason (capabilities reported or configured): only then is
    /// `think: false` sent to an upstream that is not llama.cpp, since a model that does not
    /// reason may refuse `reasoning_effort` outright — and Ollama accepts `think: false` for any model.
    public var knownToThink: Bool

    public init(acceptsTemplateKwargs: Bool = false, defaultToolChoice: String? = nil, knownToThink: Bool = false) {
        self.acceptsTemplateKwargs = acceptsTemplateKwargs
        self.defaultToolChoice = defaultToolChoice
        self.knownToThink = knownToThink
    }
}

/// Rewrites Ollama-surface requests as OpenAI `/v1/chat/completions`, `/v1/completions` and
/// `/v1/embeddings` bodies.
public enum OllamaToOpenAI {
    public static func chat(
        _ request: OllamaChatRequest, upstreamModel: String, traits: UpstreamTraits = .init()
    ) throws(RequestError) -> TranslatedRequest {
        var notes: [UntranslatedField] = []
        var messages: [JSONValue] = []
        var calls = ToolCallLinker()
        for (index, message) in request.messages.enumerated() {
            messages.append(try translate(message, at: "messages[\(index)]", calls: &calls, notes: &notes))
        }
        var translated = try generation(request.parameters, upstreamModel: upstreamModel, traits: traits, notes: notes)
        translated.body["messages"] = .array(messages)
        return translated
    }

    /// `/api/generate` is a single templated turn, which is what a chat completion with an
    /// optional system message and one user message asks of the upstream. `raw` (no template)
    /// and `suffix` (fill-in-the-middle) only make sense as a plain text completion.
    public static func generate(
        _ request: OllamaGenerateRequest, upstreamModel: String, traits: UpstreamTraits = .init()
    ) throws(RequestError) -> TranslatedRequest {
        var notes: [UntranslatedField] = []
        if request.template.map({ !$0.isEmpty }) == true {
            notes.append(UntranslatedField("template", "an OpenAI upstream applies its own chat template"))
        }
        if request.context.map({ !$0.isEmpty }) == true {
            notes.append(UntranslatedField("context", "OpenAI upstreams keep no token context between requests"))
        }
        let suffix = request.suffix.flatMap { $0.isEmpty ? nil : $0 }
        let system = request.system.flatMap { $0.isEmpty ? nil : $0 }
        guard request.raw == true || suffix != nil else {
            var messages: [JSONValue] = []
            if let system { messages.append(.object(["role": .string("system"), "content": .string(system)])) }
            var calls = ToolCallLinker()
            let user = OllamaMessage(role: "user", content: request.prompt, images: request.images)
            messages.append(try translate(user, at: "", calls: &calls, notes: &notes))
            var translated = try generation(request.parameters, upstreamModel: upstreamModel, traits: traits, notes: notes)
            translated.body["messages"] = .array(messages)
            return translated
        }
        if request.raw == true, system != nil || !notes.isEmpty {
            throw RequestError(.badRequest, "raw mode does not support template, system, or context")
        }
        if request.images.map({ !$0.isEmpty }) == true {
            throw RequestError(.badRequest, "images cannot be sent with raw or suffix: an OpenAI text completion takes text only")
        }
        if system != nil { notes.append(UntranslatedField("system", "a text completion (suffix) has no system prompt")) }
        var translated = try generation(
            request.parameters, upstreamModel: upstreamModel, traits: traits, notes: notes, endpoint: .completions)
        translated.body["prompt"] = .string(request.prompt)
        if let suffix { translated.body["suffix"] = .string(suffix) }
        return translated
    }

    public static func embed(_ request: OllamaEmbedRequest, upstreamModel: String) -> TranslatedRequest {
        var body: [String: JSONValue] = [
            "model": .string(upstreamModel),
            "input": .array(request.input.map(JSONValue.string)),
            "encoding_format": .string("float"),
        ]
        if let dimensions = request.dimensions { body["dimensions"] = .int(Int64(dimensions)) }
        var notes = request.extra.keys.sorted().map { UntranslatedField($0, "unknown field") }
        if request.truncate == false {
            notes.append(UntranslatedField("truncate", "the upstream decides how to treat over-long input"))
        }
        notes += request.options.keys.sorted().map { UntranslatedField("options.\($0)", "embeddings take no options") }
        return TranslatedRequest(body: body, untranslated: notes)
    }

    public static func embeddings(_ request: OllamaEmbeddingsRequest, upstreamModel: String) -> TranslatedRequest {
        TranslatedRequest(
            body: ["model": .string(upstreamModel), "input": .array([.string(request.prompt)]), "encoding_format": .string("float")],
            untranslated: request.options.keys.sorted().map { UntranslatedField("options.\($0)", "embeddings take no options") })
    }

    private static func generation(
        _ parameters: OllamaGenerationParameters, upstreamModel: String, traits: UpstreamTraits, notes: [UntranslatedField],
        endpoint: TranslatedRequest.Endpoint = .chatCompletions
    ) throws(RequestError) -> TranslatedRequest {
        var notes = notes
        var body: [String: JSONValue] = ["model": .string(upstreamModel)]
        body["stream"] = .bool(parameters.stream)
        // Ask for usage so the final Ollama chunk can carry real token counts.
        if parameters.stream { body["stream_options"] = .object(["include_usage": .bool(true)]) }
        try translateOptions(parameters.options, into: &body, notes: &notes)
        if let format = try responseFormat(parameters.format) { body["response_format"] = format }
        let chat = endpoint == .chatCompletions
        if let tools = try tools(parameters.tools) {
            if chat {
                body["tools"] = tools
                if let choice = traits.defaultToolChoice { body["tool_choice"] = .string(choice) }
            } else {
                notes.append(UntranslatedField("tools", "a text completion (raw or suffix) cannot call tools"))
            }
        }
        let showThinking = try reasoning(parameters.think, into: &body, traits: traits, notes: &notes)
        try logprobs(parameters, into: &body, chat: chat, notes: &notes)
        notes += parameters.extra.keys.sorted().map { UntranslatedField($0, "no OpenAI equivalent") }
        return TranslatedRequest(body: body, untranslated: notes, endpoint: endpoint, showThinking: showThinking)
    }

    static func tools(_ value: JSONValue?) throws(RequestError) -> JSONValue? {
        switch value {
        case nil, .null, .array([]): return nil
        case .array(let items):
            for (index, item) in items.enumerated() where item["function"]?["name"]?.stringValue == nil {
                throw RequestError(.badRequest, "tools[\(index)].function.name is required")
            }
            return value
        case let other?: throw RequestError(.badRequest, "tools must be an array, not \(other.kindDescription)")
        }
    }

    /// Ollama's `think` as OpenAI's `reasoning_effort` (plus llama.cpp's template switch, which
    /// is what actually turns reasoning on or off for most local models). Returns whether the
    /// client wants to see reasoning at all.
    static func reasoning(
        _ think: JSONValue?, into body: inout [String: JSONValue], traits: UpstreamTraits, notes: inout [UntranslatedField]
    ) throws(RequestError) -> Bool {
        let effort: String
        switch think {
        case nil, .null: return true
        case .bool(let on): effort = on ? "medium" : "none"
        case .string(let level) where ["low", "medium", "high"].contains(level): effort = level
        case .string("max"): effort = "high"  // OpenAI's scale stops at high
        default:
            let shown = think.map { $0.stringValue.map { "\"\($0)\"" } ?? $0.kindDescription } ?? ""
            throw RequestError(.badRequest, "invalid think value: \(shown) (must be \"high\", \"medium\", \"low\", \"max\", true, or false)")
        }
        if effort == "none", !traits.acceptsTemplateKwargs, !traits.knownToThink {
            notes.append(
                UntranslatedField("think", "applied to the reply only (reasoning dropped): the upstream may not take reasoning_effort for this model")
            )
            return false
        }
        body["reasoning_effort"] = .string(effort)
        if traits.acceptsTemplateKwargs {
            body["chat_template_kwargs"] = .object(["enable_thinking": .bool(effort != "none")])
        }
        return effort != "none"
    }

    static func logprobs(
        _ parameters: OllamaGenerationParameters, into body: inout [String: JSONValue], chat: Bool, notes: inout [UntranslatedField]
    ) throws(RequestError) {
        if let top = parameters.topLogprobs, !(0...20).contains(top) {
            throw RequestError(.badRequest, "top_logprobs must be between 0 and 20")
        }
        guard parameters.logprobs == true || (parameters.topLogprobs ?? 0) > 0 else { return }
        guard chat else {
            notes.append(UntranslatedField("logprobs", "text completions (raw or suffix) return logprobs in another shape"))
            return
        }
        body["logprobs"] = .bool(true)
        if let top = parameters.topLogprobs, top > 0 { body["top_logprobs"] = .int(Int64(top)) }
    }

    static func responseFormat(_ format: JSONValue?) throws(RequestError) -> JSONValue? {
        switch format {
        case nil, .null, .string(""): return nil
        case .string("json"): return .object(["type": .string("json_object")])
        case .object(let schema):
            return .object([
                "type": .string("json_schema"),
                "json_schema": .object(["name": .string("response"), "schema": .object(schema), "strict": .bool(true)]),
            ])
        case let other?:
            throw RequestError(.badRequest, "invalid format: \(other.kindDescription); expected \"json\" or a valid JSON Schema object")
        }
    }

    static func translate(
        _ message: OllamaMessage, at path: String, calls: inout ToolCallLinker, notes: inout [UntranslatedField]
    ) throws(RequestError) -> JSONValue {
        var object: [String: JSONValue] = ["role": .string(message.role)]
        if let images = message.images, !images.isEmpty {
            var parts: [JSONValue] = []
            if !message.content.isEmpty { parts.append(.object(["type": .string("text"), "text": .string(message.content)])) }
            for (index, image) in images.enumerated() {
                let url = try ImageData.dataURL(base64: image, field: (path.isEmpty ? "" : "\(path).") + "images[\(index)]")
                parts.append(.object(["type": .string("image_url"), "image_url": .object(["url": .string(url)])]))
            }
            object["content"] = .array(parts)
        } else {
            object["content"] = .string(message.content)
        }
        if let toolCalls = try calls.translate(message.toolCalls, at: path) { object["tool_calls"] = toolCalls }
        if message.role == "tool" {
            if let id = calls.answer(id: message.toolCallID, name: message.toolName) {
                object["tool_call_id"] = .string(id)
            } else {
                notes.append(UntranslatedField("\(path).tool_name", "no earlier tool call to link this result to"))
            }
        } else if let id = message.toolCallID {
            object["tool_call_id"] = .string(id)
        }
        if message.thinking.map({ !$0.isEmpty }) == true {
            notes.append(UntranslatedField("\(path).thinking", "OpenAI history carries no reasoning"))
        }
        notes += message.extra.keys.sorted().map { UntranslatedField("\(path).\($0)", "unknown field") }
        return .object(object)
    }
}

/// Links tool results to the calls they answer. Ollama history carries calls without ids (older
/// clients) and results named only by `tool_name`; OpenAI needs every result to quote its call's
/// id. Ids are made up where missing — the same for the same history, so a conversation's
/// requests agree — and results claim the oldest open call of their name.
struct ToolCallLinker {
    private var open: [(id: String, name: String)] = []
    private var seen = 0

    mutating func translate(_ value: JSONValue?, at path: String) throws(RequestError) -> JSONValue? {
        guard let value, value != .null, value != .array([]) else { return nil }
        guard case .array(let items) = value else { throw RequestError(.badRequest, "\(path).tool_calls must be an array") }
        var out: [JSONValue] = []
        for (index, item) in items.enumerated() {
            let function = item["function"]
            guard let name = function?["name"]?.stringValue, !name.isEmpty else {
                throw RequestError(.badRequest, "\(path).tool_calls[\(index)].function.name is required")
            }
            // Ollama sends an object; a string (OpenAI's form) is taken as it is.
            let arguments = function?["arguments"]?.stringValue ?? OllamaToOpenAI.argumentsJSON(function?["arguments"])
            seen += 1
            let id = ToolCallID.resolve(item["id"]?.stringValue, seed: "\(seen):\(name):\(arguments)")
            open.append((id, name))
            out.append(
                .object([
                    "id": .string(id), "type": .string("function"),
                    "function": .object(["name": .string(name), "arguments": .string(arguments)]),
                ]))
        }
        return .array(out)
    }

    /// The call a tool result answers: the one it names by id, else the oldest open call with
    /// its `tool_name`, else the oldest open call.
    mutating func answer(id: String?, name: String?) -> String? {
        if let id, !id.isEmpty {
            open.removeAll { $0.id == id }
            return id
        }
        guard let position = open.firstIndex(where: { $0.name == name }) ?? (open.isEmpty ? nil : 0) else { return nil }
        return open.remove(at: position).id
    }
}

/// Ollama sends images as bare base64; OpenAI wants a data URL with the right MIME type.
public enum ImageData {
    public static func dataURL(base64: String, field: String) throws(RequestError) -> String {
        let trimmed = base64.filter { !$0.isWhitespace }
        guard let bytes = Data(base64Encoded: trimmed), !bytes.isEmpty else {
            throw RequestError(.badRequest, "\(field) is not valid base64 image data")
        }
        return "data:\(mimeType(of: bytes));base64,\(trimmed)"
    }

    /// The image type by its magic number; unknown types are sent as generic bytes.
    public static func mimeType(of bytes: some Collection<UInt8>) -> String {
        let head = Array(bytes.prefix(12))
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if head.starts(with: Array("GIF8".utf8)) { return "image/gif" }
        if head.count >= 12, head.starts(with: Array("RIFF".utf8)), Array(head[8..<12]) == Array("WEBP".utf8) {
            return "image/webp"
        }
        return "application/octet-stream"
    }
}
