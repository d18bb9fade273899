#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Turns OpenAI tool calls — whole, or streamed as fragments spread over many chunks and
/// interleaved by `index` — into Ollama's native calls: complete, `arguments` as an object.
///
/// A value type fed from the translators; it holds only the calls of the reply in progress.
public struct ToolCallAssembler: Sendable {
    struct Pending: Sendable, Equatable {
        var id: String?
        var name: String
        var arguments: String
    }

    /// In the order the calls were first seen.
    private var calls: [(index: Int, call: Pending)] = []
    /// Bounds on what an upstream can make a reply hold: the calls of one reply, and their
    /// arguments together. Past either, the fragments are dropped and the reply ends in an error.
    public static let maximumCalls = 128
    public static let maximumArgumentBytes = 4 * 1024 * 1024
    private var argumentBytes = 0
    private var overflow: ToolCallError?

    public init() {}

    public var isEmpty: Bool { calls.isEmpty && overflow == nil }

    public mutating func add(_ fragments: [OpenAIToolCallFragment]) {
        for fragment in fragments where overflow == nil {
            let index = fragment.callIndex(after: calls.lazy.map(\.index))  // lazily: no array per fragment
            let piece = fragment.function?.arguments ?? ""
            argumentBytes = argumentBytes.addingSaturated(piece.utf8.count)
            guard argumentBytes <= Self.maximumArgumentBytes else {
                overflow = ToolCallError("upstream sent tool-call arguments over \(Self.maximumArgumentBytes) bytes")
                return
            }
            if let position = calls.firstIndex(where: { $0.index == index }) {
                calls[position].call.arguments += piece
                if calls[position].call.id == nil { calls[position].call.id = fragment.id }
                if calls[position].call.name.isEmpty, let name = fragment.function?.name { calls[position].call.name = name }
            } else {
                guard calls.count < Self.maximumCalls else {
                    overflow = ToolCallError("upstream sent more than \(Self.maximumCalls) tool calls in one reply")
                    return
                }
                calls.append((index, Pending(id: fragment.id, name: fragment.function?.name ?? "", arguments: piece)))
            }
        }
    }

    /// The calls collected so far as an Ollama `tool_calls` array, and a fresh start. An upstream
    /// that sent arguments which are not a JSON object gets a clear error rather than a call
    /// the client would choke on; `finishReason` says whether the reply was cut short.
    public mutating func take(finishReason: String?) throws(ToolCallError) -> [UInt8] {
        defer {
            calls = []
            argumentBytes = 0
            overflow = nil
        }
        if let overflow { throw overflow }
        var encoded: [[UInt8]] = []
        for (ordinal, entry) in calls.enumerated() {
            let call = entry.call
            guard !call.name.isEmpty else { throw ToolCallError("upstream sent a tool call without a function name") }
            let arguments = try JSONArguments.object(of: call.name, call.arguments, finishReason: finishReason)
            var function = JSONObjectWriter(capacity: 64 + arguments.count)
            function.field("index", Int64(ordinal))
            function.field("name", call.name)
            function.field("arguments", raw: arguments)
            var object = JSONObjectWriter(capacity: 128 + arguments.count)
            object.field("id", ToolCallID.resolve(call.id, seed: "\(ordinal):\(call.name):\(call.arguments)"))
            object.field("function", object: function)
            encoded.append(object.finished())
        }
        return JSONObjectWriter.array(encoded)
    }
}

/// Clients answer a tool call by its id, and some servers (older Ollama) and histories send
/// none: the id given, else one made up from the call — stable, so the same call always gets
/// the same id, in Ollama's `call_` + 8 characters form.
enum ToolCallID {
    static func resolve(_ given: String?, seed: String) -> String {
        if let given, !given.isEmpty { return given }
        return "call_" + SHA256.hexDigest(seed).prefix(8)
    }

    /// A fresh id, for a call streamed before its arguments are known (so none can seed it).
    static func random(prefix: String = "call_", length: Int = 24) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".utf8)
        return prefix + String(decoding: (0..<length).map { _ in alphabet.randomElement()! }, as: UTF8.self)
    }
}

public struct ToolCallError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Tool-call arguments as Ollama carries them: a JSON object, written compactly with the keys
/// in the order the model produced them.
enum JSONArguments {
    struct NotAnObject: Error {}

    /// Validates `text` as a JSON object and drops the whitespace between tokens (an NDJSON line
    /// must not contain a raw newline). An empty string is the empty object, as OpenAI servers
    /// send for a call without parameters.
    /// A call's arguments as ``compactObject(_:)`` writes them, or the error its client is
    /// told: naming the tool, and the token limit when `finishReason` says the reply was cut.
    static func object(of name: String, _ text: String, finishReason: String? = nil) throws(ToolCallError) -> [UInt8] {
        do {
            return try compactObject(text)
        } catch {
            let cause =
                finishReason == "length"
                ? "the reply was cut off at the token limit (finish_reason \"length\") in the middle of the call"
                : "arguments are not a JSON object: \(text.prefix(200))"
            throw ToolCallError("upstream sent an unusable tool call to \"\(name)\": \(cause)")
        }
    }

    static func compactObject(_ text: String) throws -> [UInt8] {
        let bytes = Array(text.utf8)
        guard bytes.contains(where: { !Self.isWhitespace($0) }) else { return Array("{}".utf8) }
        guard case .object = try JSONCoding.decoder().decode(JSONValue.self, from: Data(bytes)) else { throw NotAnObject() }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var position = JSONTextPosition()
        for byte in bytes where !(position.isOutsideStrings(byte) && isWhitespace(byte)) {
            out.append(byte)
        }
        return out
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
