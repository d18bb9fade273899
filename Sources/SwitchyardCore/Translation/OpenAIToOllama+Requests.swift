#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// OpenAI request bodies rewritten for an Ollama upstream's native API.
extension OpenAIToOllama {
    public static func chat(_ request: OpenAIChatRequest) throws(RequestError) -> TranslatedRequest {
        var notes: [UntranslatedField] = []
        var body = try generation(request.parameters, notes: &notes)
        body["messages"] = .array(try messages(request.messages, notes: &notes))
        if let tools = request.tools, tools != .null, tools != .array([]) { body["tools"] = tools }
        if let choice = request.toolChoice, choice != .null, choice != .string("auto") {
            notes.append(UntranslatedField("tool_choice", "Ollama always lets the model choose"))
        }
        if let format = try format(request.responseFormat) { body["format"] = format }
        if let effort = request.reasoningEffort, !effort.isEmpty { body["think"] = try think(effort) }
        return TranslatedRequest(body: body, untranslated: notes)
    }

    /// Legacy completions become `/api/generate`, templated as Ollama's own `/v1/completions` does.
    public static func completion(_ request: OpenAICompletionRequest) throws(RequestError) -> TranslatedRequest {
        var notes: [UntranslatedField] = []
        var body = try generation(request.parameters, notes: &notes)
        body["prompt"] = .string(request.prompt)
        if let suffix = request.suffix, !suffix.isEmpty { body["suffix"] = .string(suffix) }
        return TranslatedRequest(body: body, untranslated: notes)
    }

    public static func embeddings(_ request: OpenAIEmbeddingsRequest) -> TranslatedRequest {
        var body: [String: JSONValue] = ["model": .string(request.model), "input": .array(request.input.map(JSONValue.string))]
        if let dimensions = request.dimensions { body["dimensions"] = .int(Int64(dimensions)) }
        return TranslatedRequest(body: body, untranslated: request.extra.keys.sorted().map { UntranslatedField($0, "no Ollama equivalent") })
    }

    private static func generation(_ parameters: OpenAIGenerationParameters, notes: inout [UntranslatedField]) throws(RequestError) -> [String:
        JSONValue]
    {
        if let n = parameters.n, n > 1 {
            throw RequestError(.badRequest, "n > 1 is not supported: an Ollama upstream generates one choice per request")
        }
        var options = parameters.sampling
        if let limit = parameters.maxTokens { options["num_predict"] = .int(Int64(limit)) }
        if let stop = parameters.stop { options["stop"] = .array(stop.map(JSONValue.string)) }
        // Ollama streams unless told otherwise, so `stream` is always explicit.
        var body: [String: JSONValue] = ["model": .string(parameters.model), "stream": .bool(parameters.stream)]
        if !options.isEmpty { body["options"] = .object(options) }
        notes += parameters.extra.keys.sorted().map { UntranslatedField($0, "no Ollama equivalent") }
        return body
    }

    /// `response_format` as Ollama's `format`: `"json"`, a bare schema, or nothing for text.
    static func format(_ responseFormat: JSONValue?) throws(RequestError) -> JSONValue? {
        guard let responseFormat, responseFormat != .null else { return nil }
        switch responseFormat["type"]?.stringValue {
        case "text": return nil
        case "json_object": return .string("json")
        case "json_schema":
            guard let schema = responseFormat["json_schema"]?["schema"], schema.objectValue != nil else {
                throw RequestError(.badRequest, "invalid request: 'response_format.json_schema.schema' must be an object")
            }
            return schema
        default:
            throw RequestError(.badRequest, "invalid request: 'response_format.type' must be 'text', 'json_object' or 'json_schema'")
        }
    }

    /// `reasoning_effort` as Ollama's `think`, with the same table Ollama's own `/v1` uses.
    static func think(_ effort: String) throws(RequestError) -> JSONValue {
        switch effort.lowercased() {
        case "none": return .bool(false)
        case "minimal", "low": return .string("low")
        case "medium": return .string("medium")
        case "high": return .string("high")
        case "max", "xhigh", "ultra": return .string("max")
        default: throw RequestError(.badRequest, "invalid request: unknown reasoning effort '\(effort)'")
        }
    }

    static func messages(_ messages: [OpenAIChatMessage], notes: inout [UntranslatedField]) throws(RequestError) -> [JSONValue] {
        var toolNames: [String: String] = [:]  // tool call id → function name, for `tool` messages
        var result: [JSONValue] = []
        for (index, message) in messages.enumerated() {
            let path = "messages[\(index)]"
            // Ollama has no `developer` role in most templates; it is what `system` was.
            var object: [String: JSONValue] = ["role": .string(message.role == "developer" ? "system" : message.role)]
            let (text, images) = try content(message.content, at: path, allowNull: message.toolCalls?.isEmpty == false)
            object["content"] = .string(text)
            if !images.isEmpty { object["images"] = .array(images.map(JSONValue.string)) }
            if let reasoning = message.reasoning, !reasoning.isEmpty { object["thinking"] = .string(reasoning) }
            if let calls = message.toolCalls, !calls.isEmpty {
                object["tool_calls"] = .array(
                    try calls.enumerated().map { offset, call throws(RequestError) in
                        if let id = call.id { toolNames[id] = call.function.name }
                        var function: [String: JSONValue] = [
                            "name": .string(call.function.name),
                            "arguments": try arguments(call.function.arguments, at: "\(path).tool_calls[\(offset)]"),
                        ]
                        function["index"] = .int(Int64(offset))
                        var converted: [String: JSONValue] = ["function": .object(function)]
                        if let id = call.id { converted["id"] = .string(id) }
                        return .object(converted)
                    })
            }
            if message.role == "tool" {
                if let id = message.toolCallID { object["tool_call_id"] = .string(id) }
                if let name = message.name ?? message.toolCallID.flatMap({ toolNames[$0] }) { object["tool_name"] = .string(name) }
            }
            notes += message.extra.keys.sorted().map { UntranslatedField("\(path).\($0)", "no Ollama equivalent") }
            result.append(.object(object))
        }
        return result
    }

    /// Text parts joined, images from data URLs as Ollama's bare base64.
    static func content(_ content: JSONValue, at path: String, allowNull: Bool) throws(RequestError) -> (String, [String]) {
        switch content {
        case .string(let text): return (text, [])
        case .null where allowNull: return ("", [])
        case .array(let parts):
            var texts: [String] = []
            var images: [String] = []
            for (index, part) in parts.enumerated() {
                switch part["type"]?.stringValue {
                case "text":
                    guard let text = part["text"]?.stringValue else {
                        throw RequestError(.badRequest, "invalid request: '\(path).content[\(index)].text' must be a string")
                    }
                    texts.append(text)
                case "image_url":
                    let url = part["image_url"]?["url"]?.stringValue ?? part["image_url"]?.stringValue ?? ""
                    images.append(try base64(fromDataURL: url, at: "\(path).content[\(index)]"))
                default:
                    throw RequestError(
                        .badRequest, "invalid request: '\(path).content[\(index)]' has unsupported type '\(part["type"]?.stringValue ?? "none")'")
                }
            }
            return (texts.joined(separator: "\n"), images)
        default:
            throw RequestError(.badRequest, "invalid request: '\(path).content' must be a string or an array of content parts")
        }
    }

    static func base64(fromDataURL url: String, at path: String) throws(RequestError) -> String {
        let lower = url.prefix(16).lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            throw RequestError(.badRequest, "invalid request: '\(path)': image URLs are not fetched; send the image as a base64 data URL")
        }
        let marker = Array(";base64,".utf8)
        let bytes = Array(url.utf8.prefix(256))
        guard lower.hasPrefix("data:"), let start = (0...max(0, bytes.count - marker.count)).first(where: { bytes[$0...].starts(with: marker) })
        else {
            throw RequestError(.badRequest, "invalid request: '\(path)' must be a base64 data URL (data:image/png;base64,…)")
        }
        return String(decoding: url.utf8.dropFirst(start + marker.count), as: UTF8.self)
    }

    /// OpenAI sends arguments as a JSON string; Ollama wants the object. Empty means none.
    static func arguments(_ text: String?, at path: String) throws(RequestError) -> JSONValue {
        guard let text, !text.trimmingWhitespace().isEmpty else { return .object([:]) }
        guard let value = try? JSONCoding.decoder().decode(JSONValue.self, from: Data(text.utf8)), value.objectValue != nil else {
            throw RequestError(.badRequest, "invalid request: '\(path).function.arguments' is not a JSON object")
        }
        return value
    }
}
