/// A request body rewritten for the upstream's dialect, with an account of what could not be
/// carried over. The server logs `untranslated` and names it in a response header, so nothing a
/// client sent disappears without a trace.
public struct TranslatedRequest: Sendable, Equatable {
    /// Where an Ollama generation goes on an OpenAI upstream.
    public enum Endpoint: String, Sendable, Equatable {
        case chatCompletions = "/v1/chat/completions"
        case completions = "/v1/completions"
    }

    public var body: [String: JSONValue]
    public var untranslated: [UntranslatedField]
    public var endpoint: Endpoint
    /// False when the client asked `think: false`: reasoning the upstream sends anyway is dropped.
    public var showThinking: Bool

    public init(
        body: [String: JSONValue], untranslated: [UntranslatedField] = [], endpoint: Endpoint = .chatCompletions,
        showThinking: Bool = true
    ) {
        self.body = body
        self.untranslated = untranslated
        self.endpoint = endpoint
        self.showThinking = showThinking
    }

    /// Whether any message carries an image part.
    public var sendsImages: Bool {
        guard case .array(let messages)? = body["messages"] else { return false }
        return messages.contains { message in
            guard case .array(let parts)? = message["content"] else { return false }
            return parts.contains { $0["type"]?.stringValue == "image_url" }
        }
    }
}

public struct UntranslatedField: Sendable, Equatable, CustomStringConvertible {
    /// Where the field was, e.g. `options.num_ctx`.
    public var path: String
    public var reason: String

    public init(_ path: String, _ reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path) (\(reason))" }
}
