/// What `/api/create` adds to a model, in Ollama's terms: a system prompt, default sampling
/// parameters (Ollama option names), and messages said before the client's own. Applied to
/// every request through the model's name, on every surface (`DerivedModel+apply.swift`).
public struct DerivedModel: Sendable, Equatable {
    public var system: String?
    /// Kept and shown, never applied: the upstream renders its own chat template.
    public var template: String?
    public var parameters: [String: JSONValue]
    /// Each `{"role", "content"}`.
    public var messages: [JSONValue]

    public init(system: String? = nil, template: String? = nil, parameters: [String: JSONValue] = [:], messages: [JSONValue] = []) {
        self.system = system
        self.template = template
        self.parameters = parameters
        self.messages = messages
    }

    /// Whether requests through it are changed at all (an alias changes nothing but the name).
    public var changesRequests: Bool { system?.isEmpty == false || !parameters.isEmpty || !messages.isEmpty }

    public static let maximumParameters = 64
    public static let maximumMessages = 256
    static let roles: Set<String> = ["system", "user", "assistant", "tool"]

    /// Ollama's option names that `/api/create` takes as parameters; anything else is a mistake
    /// worth telling at creation rather than on every request.
    static let knownParameters: Set<String> = Set(OllamaToOpenAI.numericOptions).union(OllamaToOpenAI.loadTimeOptions).union([
        "num_predict", "seed", "stop", "mirostat", "mirostat_eta", "mirostat_tau", "penalize_newline", "tfs_z",
    ])

    /// `base` (the model derived from, when it is a derived model itself) with the fields of a
    /// `/api/create` body laid over it: a new system prompt or template replaces the old, new
    /// parameters are added to the old (new values win), new messages replace the old.
    public static func create(_ body: [String: JSONValue], over base: DerivedModel = DerivedModel()) throws(RequestError) -> DerivedModel {
        var model = base
        if let value = body["system"], value != .null {
            guard let system = value.stringValue else { throw RequestError(.badRequest, "system must be a string") }
            model.system = system
        }
        if let value = body["template"], value != .null {
            guard let template = value.stringValue else { throw RequestError(.badRequest, "template must be a string") }
            model.template = template
        }
        if let value = body["parameters"], value != .null {
            guard let parameters = value.objectValue else { throw RequestError(.badRequest, "parameters must be an object") }
            for (key, value) in parameters {
                guard knownParameters.contains(key) else { throw RequestError(.badRequest, "unknown parameter '\(key)'") }
                if value == .null { model.parameters[key] = nil } else { model.parameters[key] = value }
            }
            guard model.parameters.count <= maximumParameters else { throw RequestError(.badRequest, "too many parameters") }
            // The same checks a request's options get, once, here.
            var scratch: [String: JSONValue] = [:]
            var notes: [UntranslatedField] = []
            try OllamaToOpenAI.translateOptions(model.parameters, into: &scratch, notes: &notes)
        }
        if let value = body["messages"], value != .null {
            guard let messages = value.arrayValue, messages.count <= maximumMessages else {
                throw RequestError(.badRequest, "messages must be an array of at most \(maximumMessages) messages")
            }
            model.messages = try messages.enumerated().map { (index, message) throws(RequestError) in
                guard let role = message["role"]?.stringValue, roles.contains(role), let content = message["content"]?.stringValue else {
                    throw RequestError(.badRequest, "messages[\(index)] must have a role (system, user, assistant or tool) and a string content")
                }
                return .object(["role": .string(role), "content": .string(content)])
            }
        }
        return model
    }
}
