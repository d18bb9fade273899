/// Anthropic Messages requests rewritten as OpenAI chat-completion bodies: the form every
/// upstream takes (an OpenAI-compatible one directly, an Ollama one through
/// ``OpenAIToOllama``).
package enum AnthropicToOpenAI {
    package static func chat(_ request: AnthropicRequest) throws(RequestError) -> TranslatedRequest {
        guard let maxTokens = request.maxTokens else { throw RequestError(.badRequest, "max_tokens: field required") }
        var notes = Notes()
        var body: [String: JSONValue] = ["model": .string(request.model), "max_tokens": .int(Int64(maxTokens))]
        var messages: [JSONValue] = []
        if let system = try systemText(request.system, notes: &notes), !system.isEmpty {
            messages.append(.object(["role": "system", "content": .string(system)]))
        }
        for (position, message) in request.messages.enumerated() {
            messages += try translate(message, at: position, notes: &notes)
        }
        body["messages"] = .array(messages)
        for (key, value) in request.sampling { body[key] = value }
        if let stop = request.stopSequences, !stop.isEmpty { body["stop"] = .array(stop.map(JSONValue.string)) }
        if request.stream {
            body["stream"] = true
            body["stream_options"] = ["include_usage": true]  // exact usage for message_delta
        }
        var tools = try self.tools(request.tools, notes: &notes)
        try toolChoice(request.toolChoice, tools: &tools, into: &body)
        if !tools.isEmpty { body["tools"] = .array(tools) }
        let showThinking = try thinking(request.thinking, into: &body)
        try outputConfig(request.outputConfig, into: &body, notes: &notes)
        for key in request.extra.keys.sorted() { notes.add(key, "no OpenAI equivalent") }
        return TranslatedRequest(body: body, untranslated: notes.fields, showThinking: showThinking)
    }

    /// The same conversation as a one-token generation, whose `usage.prompt_tokens` is the exact
    /// count `count_tokens` answers with.
    package static func countTokens(_ request: AnthropicRequest) throws(RequestError) -> TranslatedRequest {
        var request = request
        request.maxTokens = 1
        request.stream = false
        return try chat(request)
    }

    /// Untranslatable fields, each named once however often it occurred.
    struct Notes {
        private(set) var fields: [UntranslatedField] = []
        mutating func add(_ path: String, _ reason: String) {
            if !fields.contains(where: { $0.path == path }) { fields.append(UntranslatedField(path, reason)) }
        }
    }

    private static func systemText(_ system: JSONValue?, notes: inout Notes) throws(RequestError) -> String? {
        switch system {
        case nil, .null: return nil
        case .string(let text): return text
        case .array(let blocks):
            var texts: [String] = []
            for block in blocks {
                guard block["type"]?.stringValue == "text", let text = block["text"]?.stringValue else {
                    throw RequestError(.badRequest, "system: only text blocks are supported")
                }
                if block["cache_control"] != nil { notes.add("cache_control", "prompt caching has no OpenAI equivalent") }
                texts.append(text)
            }
            return texts.joined(separator: "\n\n")
        default: throw RequestError(.badRequest, "system: must be a string or an array of text blocks")
        }
    }

    private static func translate(_ message: AnthropicRequest.Message, at position: Int, notes: inout Notes) throws(RequestError) -> [JSONValue] {
        guard message.role == "user" || message.role == "assistant" else {
            throw RequestError(.badRequest, "messages.\(position).role: must be 'user' or 'assistant', not '\(message.role)'")
        }
        let blocks: [JSONValue]
        switch message.content {
        case .string(let text): return [.object(["role": .string(message.role), "content": .string(text)])]
        case .array(let items): blocks = items
        default: throw RequestError(.badRequest, "messages.\(position).content: must be a string or an array of content blocks")
        }
        return message.role == "user"
            ? try user(blocks, at: position, notes: &notes) : try assistant(blocks, at: position, notes: &notes)
    }

    /// Tool results go first, each a `tool` message, because they answer the calls of the
    /// assistant message just before; the rest of the blocks form one user message.
    private static func user(_ blocks: [JSONValue], at position: Int, notes: inout Notes) throws(RequestError) -> [JSONValue] {
        var results: [JSONValue] = []
        var parts: [JSONValue] = []
        for (number, block) in blocks.enumerated() {
            let path = "messages.\(position).content.\(number)"
            if block["cache_control"] != nil { notes.add("cache_control", "prompt caching has no OpenAI equivalent") }
            switch block["type"]?.stringValue {
            case "text": parts.append(["type": "text", "text": .string(try string(block["text"], path + ".text"))])
            case "image": parts.append(try image(block, path: path))
            case "document":
                guard block["source"]?["type"]?.stringValue == "text", let text = block["source"]?["data"]?.stringValue else {
                    throw RequestError(.badRequest, "\(path): only plain-text documents can be sent to this upstream")
                }
                parts.append(["type": "text", "text": .string(text)])
            case "tool_result":
                let id = try string(block["tool_use_id"], path + ".tool_use_id")
                var (text, images) = try toolResultContent(block["content"], path: path)
                if block["is_error"]?.boolValue == true { text = "Error: " + text }
                results.append(["role": "tool", "tool_call_id": .string(id), "content": .string(text)])
                parts += images  // an OpenAI tool message holds text only; images follow as user content
            case let type:
                throw RequestError(.badRequest, "\(path).type: '\(type ?? "")' is not a content block this server can translate")
            }
        }
        guard !parts.isEmpty else { return results }
        let content: JSONValue =
            parts.count == 1 && parts[0]["type"]?.stringValue == "text" ? parts[0]["text"]! : .array(parts)
        return results + [.object(["role": "user", "content": content])]
    }

    private static func assistant(_ blocks: [JSONValue], at position: Int, notes: inout Notes) throws(RequestError) -> [JSONValue] {
        var text = ""
        var reasoning = ""
        var calls: [JSONValue] = []
        for (number, block) in blocks.enumerated() {
            let path = "messages.\(position).content.\(number)"
            switch block["type"]?.stringValue {
            case "text": text += try string(block["text"], path + ".text")
            case "thinking": reasoning += try string(block["thinking"], path + ".thinking")
            case "redacted_thinking": notes.add("redacted_thinking", "encrypted reasoning only Anthropic can read")
            case "tool_use":
                let input = block["input"] ?? .object([:])
                guard input.objectValue != nil, let arguments = input.encodedBytes() else {
                    throw RequestError(.badRequest, "\(path).input: must be an object")
                }
                calls.append([
                    "id": .string(try string(block["id"], path + ".id")), "type": "function",
                    "function": [
                        "name": .string(try string(block["name"], path + ".name")),
                        "arguments": .string(String(decoding: arguments, as: UTF8.self)),
                    ],
                ])
            case let type:
                throw RequestError(.badRequest, "\(path).type: '\(type ?? "")' is not a content block this server can translate")
            }
        }
        var message: [String: JSONValue] = ["role": "assistant", "content": calls.isEmpty || !text.isEmpty ? .string(text) : .null]
        if !reasoning.isEmpty { message["reasoning_content"] = .string(reasoning) }
        if !calls.isEmpty { message["tool_calls"] = .array(calls) }
        return [.object(message)]
    }

    private static func image(_ block: JSONValue, path: String) throws(RequestError) -> JSONValue {
        let source = block["source"]
        switch source?["type"]?.stringValue {
        case "base64":
            let type = try string(source?["media_type"], path + ".source.media_type")
            let data = try string(source?["data"], path + ".source.data")
            return ["type": "image_url", "image_url": ["url": .string("data:\(type);base64,\(data)")]]
        case "url":
            return ["type": "image_url", "image_url": ["url": .string(try string(source?["url"], path + ".source.url"))]]
        default: throw RequestError(.badRequest, "\(path).source.type: must be 'base64' or 'url'")
        }
    }

    private static func toolResultContent(_ content: JSONValue?, path: String) throws(RequestError) -> (String, [JSONValue]) {
        switch content {
        case nil, .null: return ("", [])
        case .string(let text): return (text, [])
        case .array(let blocks):
            var texts: [String] = []
            var images: [JSONValue] = []
            for (number, block) in blocks.enumerated() {
                switch block["type"]?.stringValue {
                case "text": texts.append(try string(block["text"], "\(path).content.\(number).text"))
                case "image": images.append(try image(block, path: "\(path).content.\(number)"))
                case let type:
                    throw RequestError(.badRequest, "\(path).content.\(number).type: '\(type ?? "")' cannot be part of a tool result here")
                }
            }
            return (texts.joined(separator: "\n"), images)
        default: throw RequestError(.badRequest, "\(path).content: must be a string or an array of blocks")
        }
    }

    private static func tools(_ tools: [JSONValue]?, notes: inout Notes) throws(RequestError) -> [JSONValue] {
        var translated: [JSONValue] = []
        for (number, tool) in (tools ?? []).enumerated() {
            let type = tool["type"]?.stringValue ?? "custom"
            guard type == "custom" else {
                notes.add("tools.\(number)", "'\(type)' is a tool Anthropic's servers run; an OpenAI-compatible upstream has none")
                continue
            }
            if tool["cache_control"] != nil { notes.add("cache_control", "prompt caching has no OpenAI equivalent") }
            var function: [String: JSONValue] = ["name": .string(try string(tool["name"], "tools.\(number).name"))]
            if let description = tool["description"]?.stringValue { function["description"] = .string(description) }
            function["parameters"] = tool["input_schema"] ?? ["type": "object", "properties": .object([:])]
            translated.append(["type": "function", "function": .object(function)])
        }
        return translated
    }

    /// `tool` names one tool the model must call; OpenAI-compatible servers such as llama-server
    /// take `tool_choice` only as a string, so it becomes `required` with only that tool offered.
    private static func toolChoice(_ choice: JSONValue?, tools: inout [JSONValue], into body: inout [String: JSONValue]) throws(RequestError) {
        guard let choice, choice != .null else { return }
        if choice["disable_parallel_tool_use"]?.boolValue == true { body["parallel_tool_calls"] = false }
        switch choice["type"]?.stringValue {
        case "auto": break
        case "any": body["tool_choice"] = "required"
        case "none": body["tool_choice"] = "none"
        case "tool":
            let name = try string(choice["name"], "tool_choice.name")
            tools = tools.filter { $0["function"]?["name"]?.stringValue == name }
            guard !tools.isEmpty else { throw RequestError(.badRequest, "tool_choice.name: no tool named '\(name)' in tools") }
            body["tool_choice"] = "required"
        default: throw RequestError(.badRequest, "tool_choice.type: must be 'auto', 'any', 'tool' or 'none'")
        }
    }

    /// `thinking` as `reasoning_effort`, by budget; returns whether reasoning is shown.
    private static func thinking(_ thinking: JSONValue?, into body: inout [String: JSONValue]) throws(RequestError) -> Bool {
        guard let thinking, thinking != .null else { return true }
        switch thinking["type"]?.stringValue {
        case "enabled":
            let budget = thinking["budget_tokens"]?.intValue ?? 0
            body["reasoning_effort"] = .string(budget < 4096 ? "low" : budget < 16384 ? "medium" : "high")
            return true
        case "adaptive": return true
        case "disabled":
            body["reasoning_effort"] = "none"
            return false
        default: throw RequestError(.badRequest, "thinking.type: must be 'enabled', 'disabled' or 'adaptive'")
        }
    }

    /// `effort` as `reasoning_effort` (unless `thinking` set it), `format` as `response_format`.
    private static func outputConfig(_ config: JSONValue?, into body: inout [String: JSONValue], notes: inout Notes) throws(RequestError) {
        guard let config, config != .null else { return }
        guard let settings = config.objectValue else { throw RequestError(.badRequest, "output_config: must be an object") }
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) where value != .null {
            switch key {
            case "effort":
                guard let effort = value.stringValue?.lowercased() else { throw RequestError(.badRequest, "output_config.effort: must be a string") }
                if body["reasoning_effort"] == nil { body["reasoning_effort"] = .string(effort == "xhigh" ? "high" : effort) }
            case "format":
                switch value["type"]?.stringValue {
                case "json_schema":
                    guard let schema = value["schema"], schema.objectValue != nil else {
                        throw RequestError(.badRequest, "output_config.format.schema: must be an object")
                    }
                    body["response_format"] = ["type": "json_schema", "json_schema": ["name": "response", "schema": schema]]
                default: throw RequestError(.badRequest, "output_config.format.type: must be 'json_schema'")
                }
            default: notes.add("output_config.\(key)", "no OpenAI equivalent")
            }
        }
    }

    private static func string(_ value: JSONValue?, _ path: String) throws(RequestError) -> String {
        guard let text = value?.stringValue else { throw RequestError(.badRequest, "\(path): must be a string") }
        return text
    }
}
