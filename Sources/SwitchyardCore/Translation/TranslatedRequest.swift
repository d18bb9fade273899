/// A request body rewritten for the upstream's dialect, with an account of what could not be
/// carried over. The server logs `untranslated` and names it in a response header, so nothing a
/// client sent disappears without a trace.
public struct TranslatedRequest: Sendable, Equatable {
    public var body: [String: JSONValue]
    public var untranslated: [UntranslatedField]

    public init(body: [String: JSONValue], untranslated: [UntranslatedField] = []) {
        self.body = body
        self.untranslated = untranslated
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
