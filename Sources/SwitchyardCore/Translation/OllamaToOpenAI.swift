#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Rewrites Ollama-surface requests as OpenAI `/v1/chat/completions` and `/v1/embeddings` bodies.
public enum OllamaToOpenAI {
    public static func chat(_ request: OllamaChatRequest, upstreamModel: String) throws(RequestError) -> TranslatedRequest {
        var notes: [UntranslatedField] = []
        var messages: [JSONValue] = []
        for (index, message) in request.messages.enumerated() {
            messages.append(try translate(message, at: "messages[\(index)]", notes: &notes))
        }
        return try generation(request.parameters, messages: messages, upstreamModel: upstreamModel, notes: notes)
    }

    /// `/api/generate` is a single templated turn, which is what a chat completion with an
    /// optional system message and one user message asks of the upstream.
    public static func generate(_ request: OllamaGenerateRequest, upstreamModel: String) throws(RequestError) -> TranslatedRequest {
        var notes: [UntranslatedField] = []
        var messages: [JSONValue] = []
        if let system = request.system, !system.isEmpty {
            messages.append(.object(["role": .string("system"), "content": .string(system)]))
        }
        let user = OllamaMessage(role: "user", content: request.prompt, images: request.images)
        messages.append(try translate(user, at: "images", notes: &notes))
        let notYet = "not translated over an OpenAI upstream in this release"
        if request.suffix.map({ !$0.isEmpty }) == true { notes.append(UntranslatedField("suffix", notYet)) }
        if request.raw == true { notes.append(UntranslatedField("raw", notYet)) }
        if request.template.map({ !$0.isEmpty }) == true {
            notes.append(UntranslatedField("template", "an OpenAI upstream applies its own chat template"))
        }
        if request.context.map({ !$0.isEmpty }) == true {
            notes.append(UntranslatedField("context", "OpenAI upstreams keep no token context between requests"))
        }
        return try generation(request.parameters, messages: messages, upstreamModel: upstreamModel, notes: notes)
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
        _ parameters: OllamaGenerationParameters, messages: [JSONValue], upstreamModel: String, notes: [UntranslatedField]
    ) throws(RequestError) -> TranslatedRequest {
        var notes = notes
        var body: [String: JSONValue] = ["model": .string(upstreamModel), "messages": .array(messages)]
        body["stream"] = .bool(parameters.stream)
        // Ask for usage so the final Ollama chunk can carry real token counts.
        if parameters.stream { body["stream_options"] = .object(["include_usage": .bool(true)]) }
        try translateOptions(parameters.options, into: &body, notes: &notes)
        if let format = try responseFormat(parameters.format) { body["response_format"] = format }
        if let tools = parameters.tools, tools != .null, tools != .array([]) {
            notes.append(UntranslatedField("tools", "tool calling is not translated in this release"))
        }
        if let think = parameters.think, think != .null {
            notes.append(UntranslatedField("think", "thinking control is not translated in this release"))
        }
        notes += parameters.extra.keys.sorted().map { UntranslatedField($0, "no OpenAI equivalent") }
        return TranslatedRequest(body: body, untranslated: notes)
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

    static func translate(_ message: OllamaMessage, at path: String, notes: inout [UntranslatedField]) throws(RequestError) -> JSONValue {
        var object: [String: JSONValue] = ["role": .string(message.role)]
        if let images = message.images, !images.isEmpty {
            var parts: [JSONValue] = []
            if !message.content.isEmpty { parts.append(.object(["type": .string("text"), "text": .string(message.content)])) }
            for (index, image) in images.enumerated() {
                let url = try ImageData.dataURL(base64: image, field: "\(path).images[\(index)]")
                parts.append(.object(["type": .string("image_url"), "image_url": .object(["url": .string(url)])]))
            }
            object["content"] = .array(parts)
        } else {
            object["content"] = .string(message.content)
        }
        if let id = message.toolCallID { object["tool_call_id"] = .string(id) }
        if message.thinking.map({ !$0.isEmpty }) == true {
            notes.append(UntranslatedField("\(path).thinking", "OpenAI history carries no reasoning"))
        }
        if message.toolCalls.map({ $0 != .null && $0 != .array([]) }) == true {
            notes.append(UntranslatedField("\(path).tool_calls", "tool calling is not translated in this release"))
        }
        notes += message.extra.keys.sorted().map { UntranslatedField("\(path).\($0)", "unknown field") }
        return .object(object)
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
