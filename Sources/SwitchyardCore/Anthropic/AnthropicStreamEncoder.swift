/// Writes reply events as an Anthropic Messages stream: `message_start`, then one block at a
/// time (`content_block_start`, deltas, `content_block_stop`), then `message_delta` with the
/// stop reason and usage, and `message_stop`. A failure ends the stream with an `error` event,
/// which the Anthropic SDKs raise.
///
/// Anthropic blocks never overlap, but OpenAI servers may interleave fragments of several tool
/// calls. One call streams live; a call that starts while the live one is incomplete is held
/// until the live one's arguments form a complete JSON object (then it goes live with what it
/// held) or the reply ends. So fragments of two calls never mix, and sequential calls (the
/// common case) all stream live.
package struct AnthropicStreamEncoder: ReplyEventEncoder {
    private struct Call {
        var index: Int
        var id: String
        var name: String
        var arguments = ""
    }

    private enum Block: Equatable {
        case none, text, thinking
        case tool(Int)
    }

    let id: String
    let model: String
    let showThinking: Bool
    package private(set) var isFinished = false
    private var started = false
    private var block = Block.none
    private var blockIndex = 0
    private var live: Call?
    private var liveEnd = JSONObjectEnd()
    private var held: [Call] = []
    private var ended: Set<Int> = []
    private var calledTools = false
    private var usage: (prompt: Int?, completion: Int?) = (nil, nil)

    package init(id: String, model: String, showThinking: Bool = true) {
        self.id = id
        self.model = model
        self.showThinking = showThinking
    }

    package mutating func encode(_ event: ReplyEvent, into out: inout [UInt8]) {
        guard !isFinished else { return }
        if !started { start(into: &out) }
        switch event {
        case .text(let text):
            guard open(.text, into: &out) else { return }
            delta("text_delta", "text", text, into: &out)
        case .reasoning(let text):
            guard showThinking, open(.thinking, into: &out) else { return }
            delta("thinking_delta", "thinking", text, into: &out)
        case .toolCallStarted(let index, let id, let name):
            calledTools = true
            held.append(Call(index: index, id: id, name: name))
            promote(into: &out)
        case .toolArguments(let index, let fragment):
            if live?.index == index {
                live!.arguments += fragment
                liveEnd.feed(fragment)
                delta("input_json_delta", "partial_json", fragment, into: &out)
                promote(into: &out)
            } else if let position = held.firstIndex(where: { $0.index == index }) {
                held[position].arguments += fragment
            } else if ended.contains(index), fragment.utf8.allSatisfy(JSONObjectEnd.isWhitespace) {
                return
            } else {
                fail("upstream sent arguments for tool call \(index) after it had ended", into: &out)
            }
        case .usage(let prompt, let completion):
            usage = (prompt ?? usage.prompt, completion ?? usage.completion)
        case .finished(let reason):
            finish(reason, into: &out)
        case .failed(let message):
            fail(message, into: &out)
        }
    }

    private mutating func start(into out: inout [UInt8]) {
        started = true
        var usage = JSONObjectWriter(capacity: 48)
        usage.field("input_tokens", Int64(0))
        usage.field("output_tokens", Int64(0))
        var message = JSONObjectWriter(capacity: 192)
        message.field("id", id)
        message.field("type", "message")
        message.field("role", "assistant")
        message.field("model", model)
        message.field("content", raw: JSONObjectWriter.emptyArray)
        message.null("stop_reason")
        message.null("stop_sequence")
        message.field("usage", object: usage)
        var object = event("message_start", capacity: 256)
        object.field("message", object: message)
        out.appendMoving(object.finished(suffix: "\n\n"))
    }

    /// Closes the open block unless it is `kind`, then opens `kind`; false when closing failed
    /// the stream (an unusable tool call), after which nothing more is written.
    private mutating func open(_ kind: Block, into out: inout [UInt8]) -> Bool {
        guard block != kind else { return true }
        guard close(into: &out) else { return false }
        var content = JSONObjectWriter(capacity: 64)
        switch kind {
        case .text:
            content.field("type", "text")
            content.field("text", "")
        case .thinking:
            content.field("type", "thinking")
            content.field("thinking", "")
            content.field("signature", "")
        case .tool, .none: return true
        }
        blockStart(content, kind, into: &out)
        return true
    }

    /// Held calls go live, in the order they started, while no call is live or the live one's
    /// arguments are complete.
    private mutating func promote(into out: inout [UInt8]) {
        while !held.isEmpty, !isFinished, live == nil || liveEnd.isComplete {
            goLive(held.removeFirst(), into: &out)
        }
    }

    private mutating func goLive(_ call: Call, into out: inout [UInt8]) {
        guard close(into: &out) else { return }
        var content = JSONObjectWriter(capacity: 96)
        content.field("type", "tool_use")
        content.field("id", call.id)
        content.field("name", call.name)
        content.field("input", raw: JSONObjectWriter.emptyObject)
        blockStart(content, .tool(call.index), into: &out)
        live = call
        liveEnd = JSONObjectEnd()
        if !call.arguments.isEmpty {
            liveEnd.feed(call.arguments)
            delta("input_json_delta", "partial_json", call.arguments, into: &out)
        }
    }

    private mutating func blockStart(_ content: consuming JSONObjectWriter, _ kind: Block, into out: inout [UInt8]) {
        var object = event("content_block_start", capacity: 128)
        object.field("index", Int64(blockIndex))
        object.field("content_block", object: content)
        out.appendMoving(object.finished(suffix: "\n\n"))
        block = kind
    }

    /// Ends the open block; a tool call whose arguments are not a JSON object fails the stream
    /// instead (false), since the client could not act on it.
    @discardableResult
    private mutating func close(into out: inout [UInt8]) -> Bool {
        if case .tool = block, let call = live {
            live = nil
            ended.insert(call.index)
            if let problem = Self.problem(call) {
                fail(problem, into: &out)
                return false
            }
        }
        guard block != .none else { return true }
        var object = event("content_block_stop", capacity: 64)
        object.field("index", Int64(blockIndex))
        out.appendMoving(object.finished(suffix: "\n\n"))
        blockIndex += 1
        block = .none
        return true
    }

    private mutating func finish(_ reason: FinishReason, into out: inout [UInt8]) {
        guard close(into: &out) else { return }
        while !held.isEmpty {
            let call = held.removeFirst()
            goLive(call, into: &out)
            guard close(into: &out) else { return }
        }
        isFinished = true
        var delta = JSONObjectWriter(capacity: 64)
        delta.field("stop_reason", Self.stopReason(reason, calledTools: calledTools))
        delta.null("stop_sequence")
        var counts = JSONObjectWriter(capacity: 64)
        counts.field("input_tokens", Int64(usage.prompt ?? 0))
        counts.field("output_tokens", Int64(usage.completion ?? 0))
        var object = event("message_delta", capacity: 192)
        object.field("delta", object: delta)
        object.field("usage", object: counts)
        out.appendMoving(object.finished(suffix: "\n\n"))
        var stop = event("message_stop", capacity: 48)
        out.appendMoving(stop.finished(suffix: "\n\n"))
    }

    private mutating func fail(_ message: String, into out: inout [UInt8]) {
        guard !isFinished else { return }
        isFinished = true
        if !started { start(into: &out) }
        out += AnthropicError.event(message: message, status: 502)
    }

    /// One delta event, written in one buffer (this runs per token).
    private func delta(_ type: StaticString, _ key: StaticString, _ text: String, into out: inout [UInt8]) {
        var object = event("content_block_delta", capacity: 128 + text.utf8.count)
        object.field("index", Int64(blockIndex))
        object.open("delta")
        object.field("type", literal: type)
        object.field(key, text)
        object.close()
        out.appendMoving(object.finished(suffix: "\n\n"))
    }

    private func event(_ name: StaticString, capacity: Int) -> JSONObjectWriter {
        JSONObjectWriter(capacity: capacity, event: name)
    }

    private static func problem(_ call: Call) -> String? {
        do {
            _ = try JSONArguments.object(of: call.name, call.arguments)
            return nil
        } catch {
            return error.message
        }
    }

    /// Anthropic's `stop_reason` for a finish reason.
    package static func stopReason(_ reason: FinishReason, calledTools: Bool) -> String {
        if calledTools { return "tool_use" }
        switch reason {
        case .stop: return "end_turn"
        case .length: return "max_tokens"
        case .toolCalls: return "tool_use"
        case .contentFilter: return "refusal"
        }
    }
}

/// Tells when streamed tool-call arguments form a whole JSON object: the outermost `{` closed,
/// counting only braces and brackets outside strings.
struct JSONObjectEnd: Sendable {
    private var position = JSONTextPosition()
    private var depth = 0
    private var opened = false
    private(set) var isComplete = false

    mutating func feed(_ text: String) {
        for byte in text.utf8 where position.isOutsideStrings(byte) {
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                opened = true
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if opened, depth == 0 { isComplete = true }
            default:
                if !Self.isWhitespace(byte) { isComplete = false }
            }
        }
    }

    static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }
}
