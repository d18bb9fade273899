/// Collects the reply events of a whole (non-streamed) reply into one Anthropic `message`:
/// a `thinking` block, a `text` block, then a `tool_use` block per call with `input` an object.
package struct AnthropicMessageBuilder: Sendable {
    private var thinking = ""
    private var text = ""
    private var calls: [(index: Int, id: String, name: String, arguments: String)] = []
    private var usage: (prompt: Int?, completion: Int?) = (nil, nil)
    private var reason: FinishReason?
    private var failure: String?

    package init() {}

    package mutating func add(_ events: [ReplyEvent]) {
        for event in events where reason == nil && failure == nil {
            switch event {
            case .text(let piece): text += piece
            case .reasoning(let piece): thinking += piece
            case .toolCallStarted(let index, let id, let name): calls.append((index, id, name, ""))
            case .toolArguments(let index, let fragment):
                if let position = calls.firstIndex(where: { $0.index == index }) { calls[position].arguments += fragment }
            case .usage(let prompt, let completion): usage = (prompt ?? usage.prompt, completion ?? usage.completion)
            case .finished(let finish): reason = finish
            case .failed(let message): failure = message
            }
        }
    }

    /// The message, or the upstream's failure as a 502.
    package func message(id: String, model: String, showThinking: Bool) throws(RequestError) -> [UInt8] {
        if let failure { throw RequestError(.badGateway, failure) }
        var blocks: [[UInt8]] = []
        if showThinking, !thinking.isEmpty {
            var block = JSONObjectWriter(capacity: 64 + thinking.utf8.count)
            block.field("type", "thinking")
            block.field("thinking", thinking)
            block.field("signature", "")
            blocks.append(block.finished())
        }
        if !text.isEmpty || (calls.isEmpty && thinking.isEmpty) {
            var block = JSONObjectWriter(capacity: 32 + text.utf8.count)
            block.field("type", "text")
            block.field("text", text)
            blocks.append(block.finished())
        }
        for call in calls {
            let input: [UInt8]
            do {
                input = try JSONArguments.object(of: call.name, call.arguments)
            } catch {
                throw RequestError(.badGateway, error.message)
            }
            var block = JSONObjectWriter(capacity: 64 + input.count)
            block.field("type", "tool_use")
            block.field("id", call.id)
            block.field("name", call.name)
            block.field("input", raw: input)
            blocks.append(block.finished())
        }
        var counts = JSONObjectWriter(capacity: 64)
        counts.field("input_tokens", Int64(usage.prompt ?? 0))
        counts.field("output_tokens", Int64(usage.completion ?? 0))
        var object = JSONObjectWriter(capacity: 256)
        object.field("id", id)
        object.field("type", "message")
        object.field("role", "assistant")
        object.field("model", model)
        object.field("content", raw: JSONObjectWriter.array(blocks))
        object.field("stop_reason", AnthropicStreamEncoder.stopReason(reason ?? .stop, calledTools: !calls.isEmpty))
        object.null("stop_sequence")
        object.field("usage", object: counts)
        return object.finished()
    }

    /// Prompt tokens, for `count_tokens`.
    package var promptTokens: Int? { usage.prompt }

    /// `count_tokens`'s answer.
    package static func tokenCount(_ tokens: Int) -> [UInt8] {
        var object = JSONObjectWriter(capacity: 32)
        object.field("input_tokens", Int64(tokens))
        return object.finished()
    }
}
