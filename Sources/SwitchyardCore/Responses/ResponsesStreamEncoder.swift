/// Writes reply events as a Responses API stream — `response.created`, `response.in_progress`,
/// per output item `response.output_item.added`, its deltas and closing events, then
/// `response.completed` (`response.incomplete` at the token limit, `response.failed` on a
/// failure) — each event with `type` and an increasing `sequence_number`.
///
/// Reasoning and message items are open one at a time and close when another kind starts;
/// function calls stay open until the reply ends, and each argument delta names its item, so
/// interleaved fragments of several calls stay apart. With `streams: false` nothing is written
/// and ``response`` holds the whole reply, for a client that did not ask to stream.
package struct ResponsesStreamEncoder: ReplyEventEncoder {
    private let echo: ResponsesEcho
    private let streams: Bool
    package private(set) var isFinished = false
    /// The final response object, once finished.
    package private(set) var response: [UInt8]?
    package private(set) var failure: String?
    private var output = ResponsesOutput()
    private var sequence: Int64 = 0
    private var started = false
    /// The reasoning or message item being written.
    private var open: Int?

    package init(echo: ResponsesEcho, streams: Bool = true) {
        self.echo = echo
        self.streams = streams
    }

    package mutating func encode(_ event: ReplyEvent, into out: inout [UInt8]) {
        guard !isFinished else { return }
        if !started {
            started = true
            let response = echo.response(status: "in_progress", output: nil)
            emit("response.created", into: &out) { $0.field("response", raw: response) }
            emit("response.in_progress", into: &out) { $0.field("response", raw: response) }
        }
        switch event {
        case .text(let piece): append(piece, kind: .message, into: &out)
        case .reasoning(let piece): append(piece, kind: .reasoning, into: &out)
        case .toolCallStarted(let index, let id, let name):
            closeOpen(into: &out)
            let position = output.add(.functionCall, toolIndex: index, callID: id, name: name)
            added(position, into: &out)
        case .toolArguments(let index, let fragment):
            guard let position = output.position(ofTool: index) else { return }
            guard output.append(fragment, to: position) else { return tooLong(into: &out) }
            let id = output.items[position].id
            emit("response.function_call_arguments.delta", item: id, at: position, into: &out) {
                $0.field("delta", fragment)
            }
        case .usage(let prompt, let completion): output.record(prompt: prompt, completion: completion)
        case .finished(let reason): finish(reason, into: &out)
        case .failed(let message): fail(message, into: &out)
        }
    }

    private mutating func append(_ piece: String, kind: ResponsesOutput.Kind, into out: inout [UInt8]) {
        if open.map({ output.items[$0].kind }) != kind {
            closeOpen(into: &out)
            let position = output.add(kind)
            open = position
            added(position, into: &out)
            let id = output.items[position].id
            if kind == .message {
                emit("response.content_part.added", item: id, at: position, into: &out) {
                    $0.field("content_index", Int64(0))
                    $0.field("part", raw: ResponsesOutput.textPart(""))
                }
            } else {
                emit("response.reasoning_summary_part.added", item: id, at: position, into: &out) {
                    $0.field("summary_index", Int64(0))
                    $0.field("part", raw: ResponsesOutput.summaryPart(""))
                }
            }
        }
        guard let position = open else { return }
        guard output.append(piece, to: position) else { return tooLong(into: &out) }
        let id = output.items[position].id
        emit(kind == .message ? "response.output_text.delta" : "response.reasoning_summary_text.delta", item: id, at: position, into: &out) {
            if kind == .message {
                $0.field("content_index", Int64(0))
                $0.field("delta", piece)
                $0.field("logprobs", raw: JSONObjectWriter.emptyArray)
            } else {
                $0.field("summary_index", Int64(0))
                $0.field("delta", piece)
            }
        }
    }

    private mutating func added(_ position: Int, into out: inout [UInt8]) {
        let item = output.json(at: position, done: false)
        emit("response.output_item.added", into: &out) {
            $0.field("output_index", Int64(position))
            $0.field("item", raw: item)
        }
    }

    private mutating func closeOpen(into out: inout [UInt8]) {
        guard let position = open else { return }
        open = nil
        close(position, into: &out)
    }

    private mutating func close(_ position: Int, into out: inout [UInt8]) {
        let item = output.items[position]
        switch item.kind {
        case .message:
            emit("response.output_text.done", item: item.id, at: position, into: &out) {
                $0.field("content_index", Int64(0))
                $0.field("text", item.text)
                $0.field("logprobs", raw: JSONObjectWriter.emptyArray)
            }
            emit("response.content_part.done", item: item.id, at: position, into: &out) {
                $0.field("content_index", Int64(0))
                $0.field("part", raw: ResponsesOutput.textPart(item.text))
            }
        case .reasoning:
            emit("response.reasoning_summary_text.done", item: item.id, at: position, into: &out) {
                $0.field("summary_index", Int64(0))
                $0.field("text", item.text)
            }
            emit("response.reasoning_summary_part.done", item: item.id, at: position, into: &out) {
                $0.field("summary_index", Int64(0))
                $0.field("part", raw: ResponsesOutput.summaryPart(item.text))
            }
        case .functionCall:
            emit("response.function_call_arguments.done", item: item.id, at: position, into: &out) {
                $0.field("name", item.name)
                $0.field("arguments", item.text)
            }
        }
        let json = output.json(at: position, done: true)
        emit("response.output_item.done", into: &out) {
            $0.field("output_index", Int64(position))
            $0.field("item", raw: json)
        }
    }

    private mutating func finish(_ reason: FinishReason, into out: inout [UInt8]) {
        closeOpen(into: &out)
        for position in output.items.indices where output.items[position].kind == .functionCall {
            if let problem = output.problem(at: position) { return fail(problem, into: &out) }
            close(position, into: &out)
        }
        isFinished = true
        let status = reason == .length ? "incomplete" : "completed"
        let response = echo.response(status: status, output: output)
        self.response = response
        emit(status == "completed" ? "response.completed" : "response.incomplete", into: &out) { $0.field("response", raw: response) }
    }

    private mutating func tooLong(into out: inout [UInt8]) {
        fail("upstream's reply is longer than \(ResponsesOutput.maximumBytes) bytes", into: &out)
    }

    private mutating func fail(_ message: String, into out: inout [UInt8]) {
        guard !isFinished else { return }
        isFinished = true
        failure = message
        let response = echo.response(status: "failed", output: output, error: message)
        emit("response.failed", into: &out) { $0.field("response", raw: response) }
    }

    /// An event about one output item: its `item_id` and `output_index` first.
    private mutating func emit(
        _ type: StaticString, item id: String, at position: Int, into out: inout [UInt8], _ fields: (inout JSONObjectWriter) -> Void
    ) {
        emit(type, into: &out) {
            $0.field("item_id", id)
            $0.field("output_index", Int64(position))
            fields(&$0)
        }
    }

    private mutating func emit(_ type: StaticString, into out: inout [UInt8], _ fields: (inout JSONObjectWriter) -> Void) {
        guard streams else { return }
        var object = JSONObjectWriter(capacity: 192, event: type)
        object.field("sequence_number", sequence)
        sequence += 1
        fields(&object)
        out.appendMoving(object.finished(suffix: "\n\n"))
    }
}
