import Foundation
import SwitchyardCore
import SwitchyardFixtures
import Testing

/// The upstream side of the neutral middle: recorded streams decoded into reply events, the
/// same events whichever way the bytes are split.
@Suite struct ReplyEventDecoderTests {
    static func decode(_ pieces: [[UInt8]], ollama: Bool = false) -> [ReplyEvent] {
        var events: [ReplyEvent] = []
        if ollama {
            var decoder = OllamaReplyDecoder()
            for piece in pieces { decoder.feed(piece, into: &events) }
            decoder.finish(into: &events)
        } else {
            var decoder = OpenAIReplyDecoder()
            for piece in pieces { decoder.feed(piece, into: &events) }
            decoder.finish(into: &events)
        }
        return merged(events)
    }

    /// Adjacent text (or reasoning, or fragments of one call) joined: a split may cut a chunk's
    /// text differently only in how `<think>` tags are held back, never in what it says.
    static func merged(_ events: [ReplyEvent]) -> [ReplyEvent] {
        var out: [ReplyEvent] = []
        for event in events {
            switch (out.last, event) {
            case (.text(let a)?, .text(let b)): out[out.count - 1] = .text(a + b)
            case (.reasoning(let a)?, .reasoning(let b)): out[out.count - 1] = .reasoning(a + b)
            case (.toolArguments(let i, let a)?, .toolArguments(let j, let b)) where i == j:
                out[out.count - 1] = .toolArguments(index: i, fragment: a + b)
            default: out.append(event)
            }
        }
        return out
    }

    @Test(arguments: [
        "chat-stream.sse", "chat-stream-stop.sse", "chat-think-stream.sse", "chat-tools-stream.sse", "chat-tools-cut-stream.sse",
        "chat-logprobs-stream.sse",
    ])
    func openAIStreamsDecodeTheSameAtEverySplit(_ name: String) throws {
        let bytes = try Fixtures.bytes("llama-server/" + name)
        let whole = Self.decode([bytes])
        for pieces in splits(of: bytes) { #expect(Self.decode(pieces) == whole, "split at \(pieces[0].count)") }
        #expect(Self.decode(bytes.map { [$0] }) == whole, "byte by byte")
    }

    @Test func llamaServerToolStreamBecomesOneNamedCallWithItsArguments() throws {
        let events = Self.decode([try Fixtures.bytes("llama-server/chat-tools-stream.sse")])
        #expect(events.first == .toolCallStarted(index: 0, id: "7qcq1WRvptAu0IW5uiLsInfxZ8u3YTzd", name: "get_weather"))
        guard case .toolArguments(0, let arguments)? = events.dropFirst().first else {
            Issue.record("arguments follow the start: \(events)")
            return
        }
        let object = try JSONSerialization.jsonObject(with: Data(arguments.utf8)) as? [String: Any]
        #expect(object?["city"] as? String != nil)
        #expect(events.last == .finished(.toolCalls))
        // The usage chunk after the finish is the last word on token counts (the finish chunk's
        // timings count only the uncached prompt).
        #expect(events.dropLast().last == .usage(prompt: 477, completion: 66))
    }

    @Test func reasoningComesFromReasoningContent() throws {
        let events = Self.decode([try Fixtures.bytes("llama-server/chat-think-stream.sse")])
        guard case .reasoning(let thinking)? = events.first else {
            Issue.record("reasoning first: \(events)")
            return
        }
        #expect(!thinking.isEmpty)
        #expect(events.last == .finished(.length))
    }

    @Test func inlineThinkTagsAndReasoningDetailsAreReasoning() {
        let stream =
            #"data: {"choices":[{"index":0,"delta":{"content":"<think>pla"}}]}"# + "\n\n"
            + #"data: {"choices":[{"index":0,"delta":{"content":"n</think>Answer"}}]}"# + "\n\n"
            + #"data: {"choices":[{"index":0,"delta":{"reasoning_details":[{"text":"more"}]},"finish_reason":"stop"}]}"# + "\n\n"
            + "data: [DONE]\n\n"
        let events = Self.decode([Array(stream.utf8)])
        #expect(events == [.reasoning("plan"), .text("Answer"), .reasoning("more"), .finished(.stop)])
    }

    @Test func aStreamCutBeforeItsFinishFails() throws {
        let text = try Fixtures.text("llama-server/chat-stream.sse")
        let events = text.components(separatedBy: "\n\n")
        let cut = Array((events.prefix(events.count / 2).joined(separator: "\n\n") + "\n\n").utf8)  // cut between events
        guard case .failed(let message)? = Self.decode([cut]).last else {
            Issue.record("a cut stream fails")
            return
        }
        #expect(message.contains("before the response was complete"))
    }

    @Test func ollamaDocumentedStreamDecodesTheSameAtEverySplit() throws {
        let bytes = try Fixtures.bytes("ollama-docs/chat-stream-thinking-tools.ndjson")
        let expected: [ReplyEvent] = [
            .reasoning("Let me check the weather."), .text("Checking"),
            .toolCallStarted(index: 0, id: "call_k3x9p2qa", name: "get_weather"), .toolArguments(index: 0, fragment: #"{"city":"Tokyo"}"#),
            .usage(prompt: 26, completion: 282), .finished(.toolCalls),
        ]
        for pieces in splits(of: bytes) { #expect(Self.decode(pieces, ollama: true) == expected, "split at \(pieces[0].count)") }
    }

    @Test func anOllamaErrorLineFails() throws {
        let events = Self.decode([try Fixtures.bytes("ollama-docs/chat-stream-error.ndjson")], ollama: true)
        guard case .failed? = events.last else {
            Issue.record("an error line ends the reply: \(events)")
            return
        }
    }

    @Test func wholeRepliesGiveTheSameEventsAsTheirStreams() throws {
        let completion = try JSONDecoder().decode(OpenAICompletion.self, from: Data(try Fixtures.bytes("llama-server/chat-tools.json")))
        let events = OpenAIReplyDecoder.events(whole: completion)
        guard case .toolCallStarted(0, _, "get_weather")? = events.first(where: { if case .toolCallStarted = $0 { true } else { false } })
        else {
            Issue.record("a whole reply's call: \(events)")
            return
        }
        #expect(events.last == .finished(.toolCalls))
        let reply = try JSONDecoder().decode(
            OllamaReplyChunk.self,
            from: Data(#"{"message":{"content":"hi","thinking":"hm"},"done":true,"done_reason":"length","prompt_eval_count":3,"eval_count":2}"#.utf8))
        #expect(OllamaReplyDecoder.events(whole: reply) == [.reasoning("hm"), .text("hi"), .usage(prompt: 3, completion: 2), .finished(.length)])
    }

    @Test func toolCallsPastTheLimitFail() {
        var stream = ""
        for index in 0...ToolCallAssembler.maximumCalls {
            stream +=
                #"data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":\#(index),"id":"c\#(index)","function":{"name":"f","arguments":"{}"}}]}}]}"#
                + "\n\n"
        }
        guard case .failed(let message)? = Self.decode([Array(stream.utf8)]).last else {
            Issue.record("too many calls fail the reply")
            return
        }
        #expect(message.contains("more than \(ToolCallAssembler.maximumCalls) tool calls"))
    }
}
