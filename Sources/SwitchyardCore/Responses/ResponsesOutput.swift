/// The `output` items of a response as reply events build them, and the response object
/// around them. Shared by the whole reply and the stream, whose closing events and
/// `response.completed` repeat every item in full (the Responses API asks for that, so this is
/// the one place a reply's text is held: bounded by ``maximumBytes``).
package struct ResponsesOutput: Sendable {
    package enum Kind: Sendable, Equatable { case reasoning, message, functionCall }

    package struct Item: Sendable {
        package var kind: Kind
        package var id: String
        /// Reasoning text, message text, or call arguments.
        package var text = ""
        package var callID = ""
        package var name = ""
        /// The upstream's index for a tool call.
        package var toolIndex = -1
    }

    package static let maximumBytes = 16 * 1024 * 1024

    package private(set) var items: [Item] = []
    private var bytes = 0
    package private(set) var usage: (prompt: Int?, completion: Int?) = (nil, nil)

    package init() {}

    /// Adds an item; returns its position.
    package mutating func add(_ kind: Kind, toolIndex: Int = -1, callID: String = "", name: String = "") -> Int {
        let prefix = kind == .reasoning ? "rs_" : kind == .message ? "msg_" : "fc_"
        items.append(Item(kind: kind, id: ToolCallID.random(prefix: prefix), callID: callID, name: name, toolIndex: toolIndex))
        return items.count - 1
    }

    /// Appends text to an item; false when the reply has grown past the bound.
    package mutating func append(_ piece: String, to position: Int) -> Bool {
        bytes = bytes.addingSaturated(piece.utf8.count)
        guard bytes <= Self.maximumBytes else { return false }
        items[position].text += piece
        return true
    }

    package mutating func record(prompt: Int?, completion: Int?) { usage = (prompt ?? usage.prompt, completion ?? usage.completion) }

    package func position(ofTool index: Int) -> Int? { items.lastIndex { $0.kind == .functionCall && $0.toolIndex == index } }

    /// Why a call's arguments cannot be sent as they are, if they cannot.
    package func problem(at position: Int) -> String? {
        let item = items[position]
        guard item.kind == .functionCall else { return nil }
        do {
            _ = try JSONArguments.object(of: item.name, item.text)
            return nil
        } catch {
            return error.message
        }
    }

    /// One item as JSON; `done` items are `completed`, others `in_progress` and empty.
    package func json(at position: Int, done: Bool) -> [UInt8] {
        let item = items[position]
        var object = JSONObjectWriter(capacity: 128 + (done ? item.text.utf8.count : 0))
        switch item.kind {
        case .reasoning:
            object.field("type", "reasoning")
            object.field("id", item.id)
            object.field("summary", raw: done ? JSONObjectWriter.array([Self.summaryPart(item.text)]) : JSONObjectWriter.emptyArray)
        case .message:
            object.field("type", "message")
            object.field("id", item.id)
            object.field("status", done ? "completed" : "in_progress")
            object.field("role", "assistant")
            object.field("content", raw: done ? JSONObjectWriter.array([Self.textPart(item.text)]) : JSONObjectWriter.emptyArray)
        case .functionCall:
            object.field("type", "function_call")
            object.field("id", item.id)
            object.field("status", done ? "completed" : "in_progress")
            object.field("call_id", item.callID)
            object.field("name", item.name)
            object.field("arguments", done ? item.text : "")
        }
        return object.finished()
    }

    static func textPart(_ text: String) -> [UInt8] {
        var part = JSONObjectWriter(capacity: 64 + text.utf8.count)
        part.field("type", "output_text")
        part.field("text", text)
        part.field("annotations", raw: JSONObjectWriter.emptyArray)
        part.field("logprobs", raw: JSONObjectWriter.emptyArray)
        return part.finished()
    }

    static func summaryPart(_ text: String) -> [UInt8] {
        var part = JSONObjectWriter(capacity: 32 + text.utf8.count)
        part.field("type", "summary_text")
        part.field("text", text)
        return part.finished()
    }
}

/// What a response object says besides its output: the request's settings, echoed as OpenAI
/// echoes them.
package struct ResponsesEcho: Sendable {
    package var id: String
    package var model: String
    package var createdAt: Int64
    package var instructions: String?
    package var maxOutputTokens: Int?
    package var temperature: JSONValue?
    package var topP: JSONValue?
    package var toolChoice: JSONValue?
    package var tools: JSONValue?
    package var parallelToolCalls: Bool?
    package var text: JSONValue?
    package var reasoning: JSONValue?
    package var metadata: JSONValue?

    package init(id: String, model: String, createdAt: Int64, request: ResponsesRequest? = nil) {
        self.id = id
        self.model = model
        self.createdAt = createdAt
        guard let request else { return }
        instructions = request.instructions
        maxOutputTokens = request.maxOutputTokens
        temperature = request.sampling["temperature"]
        topP = request.sampling["top_p"]
        toolChoice = request.toolChoice
        tools = request.tools.map(JSONValue.array)
        parallelToolCalls = request.parallelToolCalls
        text = request.text
        reasoning = request.reasoning
        metadata = request.metadata
    }

    /// The response object. `status` is `in_progress`, `completed`, `incomplete` or `failed`.
    package func response(status: String, output: ResponsesOutput?, error: String? = nil) -> [UInt8] {
        var object = JSONObjectWriter(capacity: 512)
        object.field("id", id)
        object.field("object", "response")
        object.field("created_at", createdAt)
        object.field("status", status)
        object.field("model", model)
        if let output, status != "in_progress" {
            object.field("output", raw: JSONObjectWriter.array(output.items.indices.map { output.json(at: $0, done: true) }))
        } else {
            object.field("output", raw: JSONObjectWriter.emptyArray)
        }
        if let error {
            var detail = JSONObjectWriter(capacity: 64 + error.utf8.count)
            detail.field("code", "server_error")
            detail.field("message", error)
            object.field("error", object: detail)
        } else {
            object.null("error")
        }
        if status == "incomplete" {
            var details = JSONObjectWriter(capacity: 48)
            details.field("reason", "max_output_tokens")
            object.field("incomplete_details", object: details)
        } else {
            object.null("incomplete_details")
        }
        if let instructions { object.field("instructions", instructions) } else { object.null("instructions") }
        object.field("max_output_tokens", maxOutputTokens.map(Int64.init))
        object.field("parallel_tool_calls", parallelToolCalls ?? true)
        object.null("previous_response_id")
        Self.write(reasoning, "reasoning", into: &object)
        object.field("store", false)
        Self.write(temperature, "temperature", into: &object)
        Self.write(text, "text", into: &object)
        object.field("tool_choice", raw: toolChoice?.encodedBytes() ?? Array(#""auto""#.utf8))
        object.field("tools", raw: tools?.encodedBytes() ?? JSONObjectWriter.emptyArray)
        Self.write(topP, "top_p", into: &object)
        object.field("truncation", "disabled")
        object.field("metadata", raw: metadata?.encodedBytes() ?? JSONObjectWriter.emptyObject)
        if let output, status != "in_progress" {
            let prompt = Int64(output.usage.prompt ?? 0)
            let completion = Int64(output.usage.completion ?? 0)
            var usage = JSONObjectWriter(capacity: 192)
            usage.field("input_tokens", prompt)
            usage.field("input_tokens_details", raw: Array(#"{"cached_tokens":0}"#.utf8))
            usage.field("output_tokens", completion)
            usage.field("output_tokens_details", raw: Array(#"{"reasoning_tokens":0}"#.utf8))
            usage.field("total_tokens", prompt.addingSaturated(completion))
            object.field("usage", object: usage)
        } else {
            object.null("usage")
        }
        return object.finished()
    }

    private static func write(_ value: JSONValue?, _ key: StaticString, into object: inout JSONObjectWriter) {
        if let bytes = value?.encodedBytes() { object.field(key, raw: bytes) } else { object.null(key) }
    }
}
