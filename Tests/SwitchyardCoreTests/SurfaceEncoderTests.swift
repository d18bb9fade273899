import Foundation
import SwitchyardCore
import SwitchyardFixtures
import Testing

/// Recorded and made-up upstream streams written as Anthropic and Responses streams, read back
/// strictly (see the readers), at every split point.
@Suite struct SurfaceEncoderTests {
    static func anthropic(_ pieces: [[UInt8]], ollama: Bool = false, showThinking: Bool = true) -> [UInt8] {
        let encoder = AnthropicStreamEncoder(id: "msg_test", model: "tiny", showThinking: showThinking)
        return ollama
            ? run(ReplyStreamTranslator(decoder: OllamaReplyDecoder(), encoder: encoder), pieces)
            : run(ReplyStreamTranslator(decoder: OpenAIReplyDecoder(), encoder: encoder), pieces)
    }

    static func responses(_ pieces: [[UInt8]], ollama: Bool = false) -> [UInt8] {
        let encoder = ResponsesStreamEncoder(echo: ResponsesEcho(id: "resp_test", model: "tiny", createdAt: 1_795_326_490))
        return ollama
            ? run(ReplyStreamTranslator(decoder: OllamaReplyDecoder(), encoder: encoder), pieces)
            : run(ReplyStreamTranslator(decoder: OpenAIReplyDecoder(), encoder: encoder), pieces)
    }

    static func run<D, E>(_ translator: ReplyStreamTranslator<D, E>, _ pieces: [[UInt8]]) -> [UInt8] {
        var translator = translator
        var out: [UInt8] = []
        for piece in pieces { out += translator.feed(piece) }
        out += translator.finish()
        #expect(translator.isFinished)
        return out
    }

    /// Two calls whose fragments alternate, as some OpenAI-compatible servers stream parallel calls.
    static let interleaved = Array(
        ([
            #"{"choices":[{"index":0,"delta":{"role":"assistant","content":"Checking both."}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"ci"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{\"zo"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\": \"Paris\"}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"ne\": \"CET\"}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
            #"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":30}}"#, "[DONE]",
        ].map { "data: \($0)\n\n" }.joined()).utf8)

    @Test(arguments: ["chat-stream.sse", "chat-think-stream.sse", "chat-tools-stream.sse", "chat-stream-stop.sse"])
    func anthropicStreamsAreTheSameAtEverySplit(_ name: String) throws {
        let bytes = try Fixtures.bytes("llama-server/" + name)
        let whole = try AnthropicStreamReader(Self.anthropic([bytes]))
        #expect(whole.error == nil && whole.stopped)
        for pieces in splits(of: bytes) {
            let split = try AnthropicStreamReader(Self.anthropic(pieces))
            #expect(split.blocks == whole.blocks && split.stopReason == whole.stopReason, "split at \(pieces[0].count)")
        }
    }

    @Test func llamaServerToolStreamIsOneToolUseBlock() throws {
        let reader = try AnthropicStreamReader(Self.anthropic([try Fixtures.bytes("llama-server/chat-tools-stream.sse")]))
        #expect(reader.blocks.map(\.type) == ["tool_use"])
        #expect(reader.blocks.first?.id == "7qcq1WRvptAu0IW5uiLsInfxZ8u3YTzd" && reader.blocks.first?.name == "get_weather")
        #expect(try reader.input(reader.blocks[0])["city"] != nil)
        #expect(reader.stopReason == "tool_use")
        #expect(reader.usage == ["input_tokens": 477, "output_tokens": 66])
        #expect(reader.names.first == "message_start" && reader.names.last == "message_stop")
    }

    @Test func reasoningIsAThinkingBlockBeforeTheText() throws {
        let stream =
            #"data: {"choices":[{"index":0,"delta":{"reasoning_content":"Let me think."}}]}"# + "\n\n"
            + #"data: {"choices":[{"index":0,"delta":{"content":"Hello"}}]}"# + "\n\n"
            + #"data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"# + "\n\ndata: [DONE]\n\n"
        let reader = try AnthropicStreamReader(Self.anthropic([Array(stream.utf8)]))
        #expect(reader.blocks == [.init(type: "thinking", text: "Let me think."), .init(type: "text", text: "Hello")])
        #expect(reader.stopReason == "end_turn")
        let hidden = try AnthropicStreamReader(Self.anthropic([Array(stream.utf8)], showThinking: false))
        #expect(hidden.blocks == [.init(type: "text", text: "Hello")], "thinking disabled: the upstream's reasoning is dropped")
    }

    @Test func interleavedToolCallsStayApartInAnthropicBlocks() throws {
        for pieces in splits(of: Self.interleaved) {
            let reader = try AnthropicStreamReader(Self.anthropic(pieces))
            #expect(reader.blocks.map(\.type) == ["text", "tool_use", "tool_use"])
            guard reader.blocks.count == 3 else { return }
            #expect(reader.blocks[1].id == "call_a" && reader.blocks[2].id == "call_b")
            #expect(try reader.input(reader.blocks[1]) as? [String: String] == ["city": "Paris"])
            #expect(try reader.input(reader.blocks[2]) as? [String: String] == ["zone": "CET"])
            #expect(reader.stopReason == "tool_use" && reader.usage == ["input_tokens": 12, "output_tokens": 30])
        }
    }

    @Test func aHeldCallGoesLiveOnceTheLiveOneIsComplete() throws {
        let events = String(decoding: Self.interleaved, as: UTF8.self).components(separatedBy: "\n\n").filter { !$0.isEmpty }
        var translator = ReplyStreamTranslator(decoder: OpenAIReplyDecoder(), encoder: AnthropicStreamEncoder(id: "m", model: "tiny"))
        var written: [String] = []
        for event in events { written.append(String(decoding: translator.feed(Array((event + "\n\n").utf8)), as: UTF8.self)) }
        #expect(!written[2].contains("call_b"), "call b starts while call a is incomplete: held")
        #expect(
            written[3].contains(#""id":"call_b""#) && written[3].contains(#""partial_json":"{\"zo""#), "a completes: b goes live with what it held")
        #expect(written[4].contains(#""partial_json":"ne\": \"CET\"}""#), "and streams on")
    }

    @Test func sequentialToolCallsBothStreamLive() throws {
        let stream = [
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":"{\"x\":"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"b","function":{"name":"g","arguments":"{\"y\":"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"2}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#, "[DONE]",
        ].map { "data: \($0)\n\n" }
        var translator = ReplyStreamTranslator(decoder: OpenAIReplyDecoder(), encoder: AnthropicStreamEncoder(id: "m", model: "tiny"))
        var out: [UInt8] = []
        for (number, event) in stream.enumerated() {
            let piece = translator.feed(Array(event.utf8))
            if number == 3 {
                // The second call's fragment went out as it came: the first was complete.
                #expect(String(decoding: piece, as: UTF8.self).contains(#""partial_json":"2}""#))
            }
            out += piece
        }
        out += translator.finish()
        let reader = try AnthropicStreamReader(out)
        #expect(reader.blocks.map(\.json) == [#"{"x":1}"#, #"{"y":2}"#])
    }

    @Test func failuresEndTheAnthropicStreamWithAnErrorEvent() throws {
        let text = try Fixtures.text("llama-server/chat-stream.sse")
        let events = text.components(separatedBy: "\n\n")
        let cut = Array((events.prefix(3).joined(separator: "\n\n") + "\n\n").utf8)
        let reader = try AnthropicStreamReader(Self.anthropic([cut]))
        #expect(reader.error?.contains("before the response was complete") == true)
        #expect(reader.names.last == "error" && !reader.names.contains("message_stop"))
        // A call cut at the token limit has arguments that are no JSON object.
        let truncated = try AnthropicStreamReader(Self.anthropic([try Fixtures.bytes("llama-server/chat-tools-cut-stream.sse")]))
        #expect(truncated.error?.contains("arguments are not a JSON object") == true)
    }

    /// Found by fuzzing (`sse-anthropic`): text after an unusable tool call was written after
    /// the error event that ended the stream.
    @Test func nothingFollowsTheErrorOfAnUnusableToolCall() throws {
        let stream = [
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","function":{"name":"f","arguments":"{"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"content":"after"}}]}"#, #"{"choices":[{"index":0,"delta":{"reasoning_content":"more"}}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#, "[DONE]",
        ].map { "data: \($0)\n\n" }.joined()
        let reader = try AnthropicStreamReader(Self.anthropic([Array(stream.utf8)]))
        #expect(reader.names.last == "error" && reader.error?.contains("not a JSON object") == true)
    }

    /// The inputs the fuzzer found (its input format: a byte giving the cut count, the cuts,
    /// then the stream) read back strictly, whole.
    @Test func fuzzFindingsReadBackStrictly() throws {
        let folder = Fixtures.root.appendingPathComponent("fuzz/sse-anthropic")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(!files.isEmpty)
        for file in files {
            let input = try Fixtures.bytes("fuzz/sse-anthropic/\(file)")
            let cuts = min(Int(input.first ?? 0) % 9, max(input.count - 1, 0))
            let stream = Array(input.dropFirst(1 + cuts))
            _ = try AnthropicStreamReader(Self.anthropic([stream]))
            _ = try ResponsesStreamReader(Self.responses([stream]))
        }
    }

    @Test func ollamaStreamsBecomeAnthropicStreams() throws {
        let bytes = try Fixtures.bytes("ollama-docs/chat-stream-thinking-tools.ndjson")
        for pieces in splits(of: bytes) {
            let reader = try AnthropicStreamReader(Self.anthropic(pieces, ollama: true))
            #expect(reader.blocks.map(\.type) == ["thinking", "text", "tool_use"])
            #expect(reader.blocks.last?.json == #"{"city":"Tokyo"}"#)
            #expect(reader.stopReason == "tool_use" && reader.usage == ["input_tokens": 26, "output_tokens": 282])
        }
    }

    @Test(arguments: ["chat-stream.sse", "chat-think-stream.sse", "chat-tools-stream.sse"])
    func responsesStreamsAreTheSameAtEverySplit(_ name: String) throws {
        let bytes = try Fixtures.bytes("llama-server/" + name)
        let whole = try ResponsesStreamReader(Self.responses([bytes]))
        for pieces in splits(of: bytes) {
            let split = try ResponsesStreamReader(Self.responses(pieces))
            #expect(split.types == whole.types && split.built == whole.built, "split at \(pieces[0].count)")
        }
    }

    @Test func responsesOfAToolStream() throws {
        let reader = try ResponsesStreamReader(Self.responses([try Fixtures.bytes("llama-server/chat-tools-stream.sse")]))
        #expect(reader.types.last == "response.completed")
        #expect(reader.output.count == 1)
        let call = try #require(reader.output.first)
        #expect(call["type"] as? String == "function_call" && call["call_id"] as? String == "7qcq1WRvptAu0IW5uiLsInfxZ8u3YTzd")
        #expect(call["name"] as? String == "get_weather" && call["status"] as? String == "completed")
        let arguments = try #require(call["arguments"] as? String)
        #expect((try JSONSerialization.jsonObject(with: Data(arguments.utf8)) as? [String: Any])?["city"] != nil)
        let usage = try #require(reader.response["usage"] as? [String: Any])
        #expect(usage["input_tokens"] as? Int == 477 && usage["output_tokens"] as? Int == 66 && usage["total_tokens"] as? Int == 543)
    }

    @Test func responsesOfAReasoningStreamAtTheTokenLimit() throws {
        let reader = try ResponsesStreamReader(Self.responses([try Fixtures.bytes("llama-server/chat-think-stream.sse")]))
        #expect(reader.types.last == "response.incomplete")
        #expect((reader.response["incomplete_details"] as? [String: Any])?["reason"] as? String == "max_output_tokens")
        #expect(reader.output.first?["type"] as? String == "reasoning")
        #expect(reader.types.contains("response.reasoning_summary_text.delta"))
    }

    @Test func interleavedToolCallsStayApartInResponsesItems() throws {
        for pieces in splits(of: Self.interleaved) {
            let reader = try ResponsesStreamReader(Self.responses(pieces))
            #expect(reader.output.map { $0["type"] as? String } == ["message", "function_call", "function_call"])
            guard reader.output.count == 3 else { return }
            #expect(reader.output[1]["call_id"] as? String == "call_a" && reader.output[1]["arguments"] as? String == #"{"city": "Paris"}"#)
            #expect(reader.output[2]["call_id"] as? String == "call_b" && reader.output[2]["arguments"] as? String == #"{"zone": "CET"}"#)
        }
    }

    @Test func failuresEndTheResponsesStreamWithResponseFailed() throws {
        let reader = try ResponsesStreamReader(Self.responses([try Fixtures.bytes("llama-server/chat-tools-cut-stream.sse")]))
        #expect(reader.types.last == "response.failed")
        #expect(reader.response["status"] as? String == "failed")
        #expect(((reader.response["error"] as? [String: Any])?["message"] as? String)?.contains("not a JSON object") == true)
        let ollama = try ResponsesStreamReader(Self.responses([try Fixtures.bytes("ollama-docs/chat-stream-error.ndjson")], ollama: true))
        #expect(ollama.types.last == "response.failed")
    }

    @Test func wholeAnthropicMessageFromAWholeReply() throws {
        let completion = try JSONDecoder().decode(OpenAICompletion.self, from: Data(try Fixtures.bytes("llama-server/chat-tools.json")))
        var builder = AnthropicMessageBuilder()
        builder.add(OpenAIReplyDecoder.events(whole: completion))
        let message = try #require(
            try JSONSerialization.jsonObject(with: Data(try builder.message(id: "msg_1", model: "tiny", showThinking: true))) as? [String: Any])
        #expect(message["type"] as? String == "message" && message["stop_reason"] as? String == "tool_use")
        let content = try #require(message["content"] as? [[String: Any]])
        #expect(content.map { $0["type"] as? String } == ["tool_use"])
        #expect((content[0]["input"] as? [String: Any])?["city"] != nil, "input is an object, not a string")
        let usage = try #require(message["usage"] as? [String: Int])
        #expect(usage["input_tokens"] == completion.usage?.promptTokens && usage["output_tokens"] == completion.usage?.completionTokens)
    }
}
