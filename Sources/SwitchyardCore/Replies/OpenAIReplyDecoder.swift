#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Reply events from an OpenAI-compatible upstream: a chat-completion SSE stream, or a whole
/// `chat.completion` through ``events(whole:)``.
///
/// Reasoning is read from whichever field carried it (`reasoning_content`, `reasoning`,
/// `reasoning_details`) or split off inline `<think>` tags; tool-call fragments become a start
/// once the call is named, then argument fragments, each tagged with the call's index.
/// `finished` waits for `[DONE]` (or the end of the body), because usage may follow the chunk
/// that carries `finish_reason`.
package struct OpenAIReplyDecoder: ReplyEventDecoder {
    private var parser = SSEParser()
    private var splitter = ThinkTagSplitter()
    private var tools = ToolFragmentTracker()
    private var finishReason: String?
    private var done = false
    private let decoder = JSONCoding.decoder()

    package init() {}

    package mutating func feed(_ bytes: some Collection<UInt8>, into events: inout [ReplyEvent]) {
        guard !done else { return }
        var parser = SSEParser()
        swap(&parser, &self.parser)
        defer { swap(&parser, &self.parser) }
        do {
            try parser.feed(bytes) { event in handle(event, into: &events) }
        } catch {
            fail("upstream sent an event larger than \(parser.maximumEventSize) bytes", into: &events)
        }
    }

    package mutating func finish(into events: inout [ReplyEvent]) {
        guard !done else { return }
        var parser = SSEParser()
        swap(&parser, &self.parser)
        parser.finish { event in handle(event, into: &events) }
        swap(&parser, &self.parser)
        guard !done else { return }
        if finishReason != nil {
            end(into: &events)  // a finished generation whose `[DONE]` got lost
        } else {
            fail("upstream closed the stream before the response was complete", into: &events)
        }
    }

    /// The events of a whole `chat.completion`.
    package static func events(whole completion: OpenAICompletion) -> [ReplyEvent] {
        var decoder = OpenAIReplyDecoder()
        var events: [ReplyEvent] = []
        decoder.absorb(completion, into: &events)
        if !decoder.done { decoder.end(into: &events) }
        return events
    }

    private mutating func handle(_ event: borrowing SSEParser.EventView, into events: inout [ReplyEvent]) {
        guard !done else { return }
        if event.isDone {
            end(into: &events)
            return
        }
        switch OpenAICompletion.read(event, decoder: decoder) {
        case .success(let chunk): absorb(chunk, into: &events)
        case .failure(let failure): fail(failure.message, into: &events)
        }
    }

    private mutating func absorb(_ chunk: OpenAICompletion, into events: inout [ReplyEvent]) {
        if let error = chunk.error {
            fail(error.message, into: &events)
            return
        }
        if let usage = chunk.usage {
            events.append(.usage(prompt: usage.promptTokens.validCount, completion: usage.completionTokens.validCount))
        } else if let timings = chunk.timings, timings.promptN != nil || timings.predictedN != nil {
            // llama.cpp's own counts, for a stream sent without `include_usage`.
            events.append(.usage(prompt: timings.promptN.validCount, completion: timings.predictedN.validCount))
        }
        guard let choice = chunk.choices?.first else { return }
        let message = choice.delta ?? choice.message
        if let reasoning = message?.thinking, !reasoning.isEmpty { events.append(.reasoning(reasoning)) }
        if let content = message?.content ?? choice.text, !content.isEmpty { text(splitter.feed(content), into: &events) }
        if let calls = message?.toolCalls, !calls.isEmpty {
            if let failure = tools.add(calls, into: &events) {
                fail(failure, into: &events)
                return
            }
        }
        if let reason = choice.finishReason { finishReason = reason }
    }

    private func text(_ split: (thinking: String, content: String), into events: inout [ReplyEvent]) {
        if !split.thinking.isEmpty { events.append(.reasoning(split.thinking)) }
        if !split.content.isEmpty { events.append(.text(split.content)) }
    }

    private mutating func end(into events: inout [ReplyEvent]) {
        text(splitter.finish(), into: &events)
        if let failure = tools.unnamed { return fail(failure, into: &events) }
        done = true
        let reason = FinishReason(openAI: finishReason)
        // Some servers say `stop` after calling tools; the calls are what the client must act on.
        events.append(.finished(reason == .stop && tools.count > 0 ? .toolCalls : reason))
    }

    private mutating func fail(_ message: String, into events: inout [ReplyEvent]) {
        done = true
        events.append(.failed(message))
    }
}

/// Turns OpenAI tool-call fragments into starts and argument fragments: a call starts once its
/// name is known (fragments before that are held).
struct ToolFragmentTracker: Sendable {
    private struct Call {
        var index: Int
        var id: String?
        var name: String?
        var held = ""
    }

    private var calls: [Call] = []
    private var argumentBytes = 0

    var count: Int { calls.count }

    /// A call the upstream never named: it cannot be answered.
    var unnamed: String? {
        calls.contains { $0.name == nil } ? "upstream sent a tool call without a function name" : nil
    }

    /// Appends the events for `fragments`; returns a failure message when a limit is passed.
    mutating func add(_ fragments: [OpenAIToolCallFragment], into events: inout [ReplyEvent]) -> String? {
        for fragment in fragments {
            let index = fragment.callIndex(after: calls.lazy.map(\.index))  // lazily: no array per fragment
            let piece = fragment.function?.arguments ?? ""
            argumentBytes = argumentBytes.addingSaturated(piece.utf8.count)
            guard argumentBytes <= ToolCallAssembler.maximumArgumentBytes else {
                return "upstream sent tool-call arguments over \(ToolCallAssembler.maximumArgumentBytes) bytes"
            }
            let position: Int
            if let known = calls.firstIndex(where: { $0.index == index }) {
                position = known
            } else {
                guard calls.count < ToolCallAssembler.maximumCalls else {
                    return "upstream sent more than \(ToolCallAssembler.maximumCalls) tool calls in one reply"
                }
                calls.append(Call(index: index))
                position = calls.count - 1
            }
            if calls[position].id == nil, let id = fragment.id, !id.isEmpty { calls[position].id = id }
            if calls[position].name == nil, let name = fragment.function?.name, !name.isEmpty {
                calls[position].name = name
                let id = calls[position].id ?? ToolCallID.random()
                calls[position].id = id
                events.append(.toolCallStarted(index: index, id: id, name: name))
                if !calls[position].held.isEmpty {
                    events.append(.toolArguments(index: index, fragment: calls[position].held))
                    calls[position].held = ""
                }
            }
            guard !piece.isEmpty else { continue }
            if calls[position].name == nil {
                calls[position].held += piece
            } else {
                events.append(.toolArguments(index: index, fragment: piece))
            }
        }
        return nil
    }
}
