/// Responses API requests rewritten as OpenAI chat-completion bodies (and from there, for an
/// Ollama upstream, through ``OpenAIToOllama``).
package enum ResponsesToOpenAI {
    package static func chat(_ request: ResponsesRequest) throws(RequestError) -> TranslatedRequest {
        var notes = AnthropicToOpenAI.Notes()
        var body: [String: JSONValue] = ["model": .string(request.model)]
        var messages: [JSONValue] = []
        if let instructions = request.instructions, !instructions.isEmpty {
            messages.append(["role": "system", "content": .string(instructions)])
        }
        switch request.input {
        case .string(let text): messages.append(["role": "user", "content": .string(text)])
        case .array(let items): messages += try translate(items)
        default: throw RequestError(.badRequest, "'input' must be a string or an array of input items")
        }
        body["messages"] = .array(messages)
        if let limit = request.maxOutputTokens { body["max_tokens"] = .int(Int64(limit)) }
        for (key, value) in request.sampling { body[key] = value }
        if let parallel = request.parallelToolCalls { body["parallel_tool_calls"] = .bool(parallel) }
        if let user = request.user { body["user"] = .string(user) }
        if request.stream {
            body["stream"] = true
            body["stream_options"] = ["include_usage": true]
        }
        var tools = try self.tools(request.tools, notes: &notes)
        try toolChoice(request.toolChoice, tools: &tools, into: &body)
        if !tools.isEmpty { body["tools"] = .array(tools) }
        if let effort = request.reasoning?["effort"]?.stringValue { body["reasoning_effort"] = .string(effort) }
        if let format = try responseFormat(request.text?["format"]) { body["response_format"] = format }
        if let verbosity = request.text?["verbosity"], verbosity != .null { notes.add("text.verbosity", "no chat-completions equivalent") }
        for key in request.extra.keys.sorted() {
            let reason =
                switch key {
                case "store": "responses are not stored"
                case "truncation": "the upstream's context is not managed here"
                default: "no chat-completions equivalent"
                }
            notes.add(key, reason)
        }
        return TranslatedRequest(body: body, untranslated: notes.fields)
    }

    private static func translate(_ items: [JSONValue]) throws(RequestError) -> [JSONValue] {
        var messages: [JSONValue] = []
        var reasoning = ""
        for (number, item) in items.enumerated() {
            let path = "input[\(number)]"
            switch item["type"]?.stringValue ?? (item["role"] != nil ? "message" : nil) {
            case "message":
                let role = try string(item["role"], path + ".role")
                guard ["user", "system", "developer", "assistant"].contains(role) else {
                    throw RequestError(.badRequest, "\(path).role: must be 'user', 'system', 'developer' or 'assistant'")
                }
                var message: [String: JSONValue] = [
                    "role": .string(role == "developer" ? "system" : role), "content": try content(item["content"], path: path),
                ]
                if role == "assistant", !reasoning.isEmpty {
                    message["reasoning_content"] = .string(reasoning)
                    reasoning = ""
                }
                messages.append(.object(message))
            case "function_call":
                let call: JSONValue = [
                    "id": .string(try string(item["call_id"], path + ".call_id")), "type": "function",
                    "function": [
                        "name": .string(try string(item["name"], path + ".name")),
                        "arguments": .string(item["arguments"]?.stringValue ?? "{}"),
                    ],
                ]
                // Consecutive calls belong to one assistant turn.
                if case .object(var last)? = messages.last, last["role"] == "assistant", case .array(let calls)? = last["tool_calls"] {
                    last["tool_calls"] = .array(calls + [call])
                    messages[messages.count - 1] = .object(last)
                } else {
                    var message: [String: JSONValue] = ["role": "assistant", "content": .null, "tool_calls": [call]]
                    if !reasoning.isEmpty {
                        message["reasoning_content"] = .string(reasoning)
                        reasoning = ""
                    }
                    messages.append(.object(message))
                }
            case "function_call_output":
                let output: String
                switch item["output"] {
                case .string(let text)?: output = text
                case .array(let parts)?: output = try parts.map { part throws(RequestError) in try string(part["text"], path + ".output") }.joined()
                default: throw RequestError(.badRequest, "\(path).output: must be a string or text parts")
                }
                messages.append(["role": "tool", "tool_call_id": .string(try string(item["call_id"], path + ".call_id")), "content": .string(output)])
            case "reasoning":
                let summary = item["summary"]?.arrayValue?.compactMap { $0["text"]?.stringValue } ?? []
                let content = item["content"]?.arrayValue?.compactMap { $0["text"]?.stringValue } ?? []
                reasoning += (content.isEmpty ? summary : content).joined(separator: "\n")
            case let type:
                throw RequestError(.badRequest, "\(path).type: '\(type ?? "")' is not an input item this server can translate")
            }
        }
        return messages
    }

    private static func content(_ content: JSONValue?, path: String) throws(RequestError) -> JSONValue {
        switch content {
        case .string(let text)?: return .string(text)
        case .array(let parts)?:
            var translated: [JSONValue] = []
            for (number, part) in parts.enumerated() {
                let partPath = "\(path).content[\(number)]"
                switch part["type"]?.stringValue {
                case "input_text", "output_text", "refusal":
                    translated.append(["type": "text", "text": .string(try string(part["text"] ?? part["refusal"], partPath + ".text"))])
                case "input_image":
                    guard let url = part["image_url"]?.stringValue else {
                        throw RequestError(.badRequest, "\(partPath): only images given by 'image_url' (a URL or data URL) can be sent on")
                    }
                    translated.append(["type": "image_url", "image_url": ["url": .string(url)]])
                case let type:
                    throw RequestError(.badRequest, "\(partPath).type: '\(type ?? "")' is not a content part this server can translate")
                }
            }
            if translated.count == 1, let text = translated[0]["text"] { return text }
            return .array(translated)
        default: throw RequestError(.badRequest, "\(path).content: must be a string or an array of content parts")
        }
    }

    private static func tools(_ tools: [JSONValue]?, notes: inout AnthropicToOpenAI.Notes) throws(RequestError) -> [JSONValue] {
        var translated: [JSONValue] = []
        for (number, tool) in (tools ?? []).enumerated() {
            let type = tool["type"]?.stringValue ?? ""
            guard type == "function" else {
                notes.add("tools[\(number)]", "'\(type)' is a tool OpenAI's servers run; the upstream has none")
                continue
            }
            var function: [String: JSONValue] = ["name": .string(try string(tool["name"], "tools[\(number)].name"))]
            for key in ["description", "parameters", "strict"] where tool[key] != nil && tool[key] != .null { function[key] = tool[key] }
            translated.append(["type": "function", "function": .object(function)])
        }
        return translated
    }

    private static func toolChoice(_ choice: JSONValue?, tools: inout [JSONValue], into body: inout [String: JSONValue]) throws(RequestError) {
        switch choice {
        case nil, .null?, .string("auto")?: return
        case .string("none")?, .string("required")?: body["tool_choice"] = choice
        case .object(let object)? where object["type"]?.stringValue == "function":
            let name = try string(object["name"], "tool_choice.name")
            tools = tools.filter { $0["function"]?["name"]?.stringValue == name }
            guard !tools.isEmpty else { throw RequestError(.badRequest, "tool_choice.name: no function named '\(name)' in tools") }
            body["tool_choice"] = "required"
        default: throw RequestError(.badRequest, "'tool_choice' must be 'auto', 'none', 'required' or a function")
        }
    }

    private static func responseFormat(_ format: JSONValue?) throws(RequestError) -> JSONValue? {
        guard let format, format != .null else { return nil }
        switch format["type"]?.stringValue {
        case "text": return nil
        case "json_object": return ["type": "json_object"]
        case "json_schema":
            guard let schema = format["schema"], schema.objectValue != nil else {
                throw RequestError(.badRequest, "text.format.schema: must be an object")
            }
            var inner: [String: JSONValue] = ["name": format["name"] ?? "response", "schema": schema]
            if let strict = format["strict"], strict != .null { inner["strict"] = strict }
            return ["type": "json_schema", "json_schema": .object(inner)]
        default: throw RequestError(.badRequest, "text.format.type: must be 'text', 'json_object' or 'json_schema'")
        }
    }

    private static func string(_ value: JSONValue?, _ path: String) throws(RequestError) -> String {
        guard let text = value?.stringValue else { throw RequestError(.badRequest, "\(path): must be a string") }
        return text
    }
}
