/// A derived model's settings laid over a request body in the client's own dialect, before the
/// body is routed, so pass-through and translation downstream see an ordinary request.
///
/// Ollama's rules, on every surface: the derived messages go before the client's; the derived
/// system prompt goes first unless the client's first message is a system message of its own
/// (which then replaces it); a parameter applies only where the client gave no value.
extension DerivedModel {
    /// The request shapes that carry a conversation or sampling settings.
    public enum Surface: Sendable {
        case ollamaChat, ollamaGenerate, openAIChat, openAICompletion, anthropic, responses

        public init?(path: String) {
            switch path {
            case "/api/chat": self = .ollamaChat
            case "/api/generate": self = .ollamaGenerate
            case "/v1/chat/completions", "/chat/completions": self = .openAIChat
            case "/v1/completions": self = .openAICompletion
            case "/v1/messages", "/v1/messages/count_tokens": self = .anthropic
            case "/v1/responses": self = .responses
            default: return nil
            }
        }
    }

    /// Applies the settings to `body`; returns what could not be expressed on this surface.
    public func apply(to body: inout [String: JSONValue], on surface: Surface) throws(RequestError) -> [UntranslatedField] {
        var notes: [UntranslatedField] = []
        let system = self.system.flatMap { $0.isEmpty ? nil : $0 }
        switch surface {
        case .ollamaChat:
            guard let client = body["messages"]?.arrayValue, !client.isEmpty else { break }  // a load or unload request
            body["messages"] = .array(conversation(before: client, systemRoles: ["system"], system: system))
            mergeOptions(into: &body)
        case .ollamaGenerate:
            let raw = body["raw"]?.boolValue == true
            if !raw, let system, body["system"]?.stringValue?.isEmpty ?? true { body["system"] = .string(system) }
            if !raw, !messages.isEmpty, body["context"]?.arrayValue?.isEmpty ?? true {
                notes.append(UntranslatedField("messages", "a derived model's messages have no place in /api/generate; use /api/chat"))
            }
            mergeOptions(into: &body)
        case .openAIChat:
            if let client = body["messages"]?.arrayValue {
                body["messages"] = .array(conversation(before: client, systemRoles: ["system", "developer"], system: system))
            }
            try openAIParameters(into: &body, notes: &notes)
        case .openAICompletion:
            if system != nil { notes.append(UntranslatedField("system", "a text completion has no system prompt")) }
            if !messages.isEmpty { notes.append(UntranslatedField("messages", "a text completion has no messages")) }
            try openAIParameters(into: &body, notes: &notes)
        case .anthropic:
            let clientSystem = body["system"]
            if let system, clientSystem == nil || clientSystem == .null || clientSystem == .string("") || clientSystem == .array([]) {
                body["system"] = .string(system)
            }
            if !messages.isEmpty, let client = body["messages"]?.arrayValue {
                let turns = messages.filter { $0["role"] == .string("user") || $0["role"] == .string("assistant") }
                if turns.count < messages.count {
                    notes.append(UntranslatedField("messages", "Anthropic's messages take only user and assistant turns; the others were left out"))
                }
                body["messages"] = .array(turns + client)
            }
            applyRenamed(
                ["temperature": "temperature", "top_p": "top_p", "top_k": "top_k", "stop": "stop_sequences", "num_predict": "max_tokens"], to: &body,
                notes: &notes, dialect: "Anthropic")
        case .responses:
            if let system, body["instructions"]?.stringValue?.isEmpty ?? true { body["instructions"] = .string(system) }
            if !messages.isEmpty {
                let client: [JSONValue] =
                    switch body["input"] {
                    case .string(let text): [.object(["role": .string("user"), "content": .string(text)])]
                    case .array(let items): items
                    default: []
                    }
                body["input"] = .array(messages.filter { $0["role"] != .string("tool") } + client)
                if messages.contains(where: { $0["role"] == .string("tool") }) {
                    notes.append(UntranslatedField("messages", "a Responses input has no tool messages outside a call; they were left out"))
                }
            }
            applyRenamed(
                ["temperature": "temperature", "top_p": "top_p", "num_predict": "max_output_tokens"], to: &body, notes: &notes, dialect: "Responses")
        }
        return notes
    }

    private func mergeOptions(into body: inout [String: JSONValue]) {
        guard !parameters.isEmpty else { return }
        body["options"] = .object(Self.missing(parameters, in: body["options"]?.objectValue ?? [:]))
    }

    /// Derived messages, then the client's, with the derived system prompt first unless the
    /// client opens with a system message of its own.
    private func conversation(before client: [JSONValue], systemRoles: Set<String>, system: String?) -> [JSONValue] {
        var result = messages + client
        if let system, !(client.first?["role"]?.stringValue.map(systemRoles.contains) ?? false) {
            result.insert(.object(["role": .string("system"), "content": .string(system)]), at: 0)
        }
        return result
    }

    private func openAIParameters(into body: inout [String: JSONValue], notes: inout [UntranslatedField]) throws(RequestError) {
        var translated: [String: JSONValue] = [:]
        var skipped: [UntranslatedField] = []
        try OllamaToOpenAI.translateOptions(parameters, into: &translated, notes: &skipped)
        if body["max_completion_tokens"] != nil { translated["max_tokens"] = nil }
        body = Self.missing(translated, in: body)
        notes += skipped.map { UntranslatedField("parameters." + $0.path.dropFirst("options.".count), $0.reason) }
    }

    /// The parameters a surface names differently, each set where the client gave none; the
    /// others are reported.
    private func applyRenamed(_ names: [String: String], to body: inout [String: JSONValue], notes: inout [UntranslatedField], dialect: String) {
        for (key, value) in parameters.sorted(by: { $0.key < $1.key }) {
            guard let name = names[key] else {
                notes.append(UntranslatedField("parameters.\(key)", "no \(dialect) equivalent"))
                continue
            }
            guard body[name] == nil || body[name] == .null else { continue }
            switch key {
            case "stop": body[name] = value.stringValue.map { .array([.string($0)]) } ?? value
            case "num_predict": if let limit = value.intValue, limit > 0 { body[name] = .int(limit) }
            default: body[name] = value
            }
        }
    }

    /// `defaults` laid under `values`: what `values` has wins.
    static func missing(_ defaults: [String: JSONValue], in values: [String: JSONValue]) -> [String: JSONValue] {
        values.merging(defaults) { client, _ in client }
    }
}
