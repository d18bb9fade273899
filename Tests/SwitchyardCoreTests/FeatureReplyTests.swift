import SwitchyardCore
import SwitchyardFixtures
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Tool calls, reasoning, structured output and logprobs in replies, from streams and whole
/// answers recorded from a real llama-server (`scripts/record_fixtures.py`).
@Suite struct FeatureReplyTests {
    static let start = Timestamp(monotonicNanoseconds: 1_000_000_000, unixNanoseconds: 1_761_498_924_000_000_000)
    static let later = Timestamp(monotonicNanoseconds: 1_250_000_000, unixNanoseconds: 1_761_498_924_250_000_000)

    /// The stream's NDJSON lines; the same at every split point of the upstream's bytes.
    func lines(_ fixture: String, kind: OllamaReplyKind = .chat, showThinking: Bool = true) throws -> [String] {
        let stream = try Fixtures.bytes(fixture)
        func run(_ parts: [[UInt8]]) -> [UInt8] {
            var translator = SSEToNDJSONTranslator(kind: kind, model: "tiny", start: Self.start, showThinking: showThinking)
            var out: [UInt8] = []
            for part in parts { out += translator.feed(part, at: Self.later) }
            return out + translator.finish(at: Self.later)
        }
        let whole = run([stream])
        for parts in splits(of: stream) where run(parts) != whole {
            Issue.record("different output when split at \(parts[0].count)")
            break
        }
        return String(decoding: whole, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    func object(_ line: String) throws -> [String: JSONValue] {
        try JSONDecoder().decode([String: JSONValue].self, from: Data(line.utf8))
    }

    func reply(_ fixture: String, kind: OllamaReplyKind = .chat, showThinking: Bool = true) throws -> String {
        let completion = try JSONDecoder().decode(OpenAICompletion.self, from: Data(try Fixtures.bytes(fixture)))
        return String(
            decoding: try OpenAIToOllama.reply(
                completion, kind: kind, model: "tiny", start: Self.start, end: Self.later, showThinking: showThinking), as: UTF8.self)
    }

    @Test func streamedToolCallFragmentsArriveAsOneWholeCall() throws {
        let lines = try lines("llama-server/chat-tools-stream.sse")
        let recorded = try Fixtures.text("llama-server/chat-tools-stream.sse")
        let id = try #require(recorded.firstRange(of: #""tool_calls":[{"index":0,"id":""#).map { recorded[$0.upperBound...].prefix(32) })
        #expect(lines.count == 2)
        #expect(
            lines.first
                == #"{"model":"tiny","created_at":"2025-10-26T17:15:24.250000000Z","message":{"role":"assistant","content":"","tool_calls":[{"id":"\#(id)","function":{"index":0,"name":"get_weather","arguments":{"city":"Paris"}}}]},"done":false}"#
        )
        let final = try object(try #require(lines.last))
        #expect(final["done"] == .bool(true))
        #expect(final["done_reason"] == .string("stop"), "Ollama has no tool_calls done_reason")
        #expect(final["message"] == .object(["role": .string("assistant"), "content": .string("")]))
        #expect(final["eval_count"] == .int(66))
    }

    @Test func wholeToolCallReply() throws {
        let reply = try object(try reply("llama-server/chat-tools.json"))
        let recorded = try JSONDecoder().decode(JSONValue.self, from: Data(try Fixtures.bytes("llama-server/chat-tools.json")))
        let id = try #require(recorded["choices"]?.arrayValue?.first?["message"]?["tool_calls"]?.arrayValue?.first?["id"])
        #expect(
            reply["message"]
                == .object([
                    "role": .string("assistant"), "content": .string(""),
                    "tool_calls": .array([
                        .object([
                            "id": id,
                            "function": .object(["index": .int(0), "name": .string("get_weather"), "arguments": .object(["city": .string("Paris")])]),
                        ])
                    ]),
                ]))
        #expect(reply["done_reason"] == .string("stop"))
    }

    @Test func aCallCutAtTheTokenLimitIsAnErrorNotAHalfCall() throws {
        let lines = try lines("llama-server/chat-tools-cut-stream.sse")
        #expect(lines.count == 1)
        let message = try object(try #require(lines.first))["error"]?.stringValue ?? ""
        #expect(message.hasPrefix(#"upstream sent an unusable tool call to "get_weather": the reply was cut off at the token limit"#))
    }

    @Test func callsInterleavedByIndexAreKeptApartAndInOrder() throws {
        let chunks = [
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"b","type":"function","function":{"name":"second","arguments":"{\"x\""}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"first","arguments":""}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":": 1, \"y\": [2]}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"q\":\"a b\\n\"}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}"#,
        ]
        var translator = SSEToNDJSONTranslator(kind: .chat, model: "m", start: Self.start)
        var out: [UInt8] = []
        for chunk in chunks { out += translator.feed(Array("data: \(chunk)\n\n".utf8), at: Self.later) }
        out += translator.feed(Array("data: [DONE]\n\n".utf8), at: Self.later)
        let lines = String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(
            lines.first?.contains(
                #""tool_calls":[{"id":"b","function":{"index":0,"name":"second","arguments":{"x":1,"y":[2]}}},{"id":"a","function":{"index":1,"name":"first","arguments":{"q":"a b\n"}}}]"#
            ) == true)
    }

    @Test func argumentsThatAreNotAnObjectAreAnError() throws {
        var assembler = ToolCallAssembler()
        assembler.add([OpenAIToolCallFragment(index: 0, id: "x", function: .init(name: "f", arguments: "[1,2]"))])
        #expect(throws: ToolCallError.self) { try assembler.take(finishReason: "tool_calls") }
        assembler.add([OpenAIToolCallFragment(index: nil, id: nil, function: .init(name: "g", arguments: ""))])
        let calls = String(decoding: try assembler.take(finishReason: "tool_calls"), as: UTF8.self)
        // No id from the upstream: a stable one in Ollama's form; no arguments: the empty object.
        #expect(calls.hasPrefix(#"[{"id":"call_"#))
        #expect(calls.hasSuffix(#"","function":{"index":0,"name":"g","arguments":{}}}]"#))
    }

    @Test func streamedReasoningBecomesThinkingBeforeTheAnswer() throws {
        let lines = try lines("llama-server/chat-think-stream.sse").map(object)
        let messages = lines.dropLast().compactMap { $0["message"] }
        #expect(messages.compactMap { $0["thinking"]?.stringValue }.joined() == " hello world")
        #expect(messages.map { $0["content"]?.stringValue ?? "" }.joined() == " switchyard switchyard switchyard")
        #expect(messages.first?["thinking"] != nil && messages.last?["thinking"] == nil, "thinking first, then the answer")
        let hidden = try self.lines("llama-server/chat-think-stream.sse", showThinking: false).map(object)
        #expect(hidden.allSatisfy { $0["message"]?["thinking"] == nil }, "think:false hides reasoning the upstream sent anyway")
    }

    @Test func wholeReasoningReplyForChatAndGenerate() throws {
        let chat = try object(try reply("llama-server/chat-think.json"))
        #expect(
            chat["message"]
                == .object([
                    "role": .string("assistant"), "content": .string(" switchyard switchyard switchyard"), "thinking": .string(" hello world"),
                ]))
        let generate = try object(try reply("llama-server/chat-think.json", kind: .generate))
        #expect(generate["thinking"] == .string(" hello world"))
        #expect(generate["response"] == .string(" switchyard switchyard switchyard"))
        let hidden = try object(try reply("llama-server/chat-think.json", showThinking: false))
        #expect(hidden["message"]?["thinking"] == nil)
    }

    @Test func inlineThinkTagsAreSplitOffWhereverTheChunksBreak() throws {
        let text = "<think>weigh it\n</think>\n\nThe answer"
        let characters = Array(text)
        for cut in 0...characters.count {
            for second in cut...characters.count {
                let pieces = [String(characters[..<cut]), String(characters[cut..<second]), String(characters[second...])]
                var translator = SSEToNDJSONTranslator(kind: .chat, model: "m", start: Self.start)
                var out: [UInt8] = []
                for piece in pieces {
                    let delta = String(decoding: try JSONEncoder().encode(["content": piece]), as: UTF8.self)
                    out += translator.feed(Array("data: {\"choices\":[{\"index\":0,\"delta\":\(delta)}]}\n\n".utf8), at: Self.later)
                }
                out += translator.feed(
                    Array("data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n".utf8), at: Self.later)
                let messages = try String(decoding: out, as: UTF8.self).split(separator: "\n").map { try object(String($0))["message"] }
                let thinking = messages.compactMap { $0?["thinking"]?.stringValue }.joined()
                let content = messages.compactMap { $0?["content"]?.stringValue }.joined()
                #expect(thinking == "weigh it\n" && content == "The answer", "split at \(cut), \(second)")
            }
        }
    }

    @Test func textThatOnlyLooksLikeATagIsLeftAlone() {
        var splitter = ThinkTagSplitter()
        var content = splitter.feed("  <thi").content
        content += splitter.feed("s is <think> not a tag").content
        content += splitter.finish().content
        #expect(content == "  <this is <think> not a tag")
        var late = ThinkTagSplitter()
        #expect(late.feed("Answer first <think>x</think>") == ("", "Answer first <think>x</think>"))
    }

    @Test func reasoningDetailsAreThinkingToo() throws {
        let completion = try JSONDecoder().decode(
            OpenAICompletion.self,
            from: Data(
                #"{"choices":[{"index":0,"message":{"content":"ok","reasoning_details":[{"type":"reasoning.text","text":"step 1; "},{"type":"reasoning.text","text":"step 2"}]},"finish_reason":"stop"}]}"#
                    .utf8))
        let reply = try object(
            String(decoding: try OpenAIToOllama.reply(completion, kind: .chat, model: "m", start: Self.start, end: Self.later), as: UTF8.self))
        #expect(reply["message"]?["thinking"] == .string("step 1; step 2"))
    }

    @Test func structuredOutputContentIsTheUpstreamsJSON() throws {
        let reply = try object(try reply("llama-server/chat-json-schema.json"))
        let content = try #require(reply["message"]?["content"]?.stringValue)
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(content.utf8))
        #expect(value == .object(["city": .string("Paris"), "sunny": .bool(true)]))
    }

    @Test func logprobsInOllamasShape() throws {
        let lines = try lines("llama-server/chat-logprobs-stream.sse").map(object)
        let chunks = lines.dropLast()
        #expect(chunks.count == 3)
        for chunk in chunks {
            let logprobs = try #require(chunk["logprobs"]?.arrayValue)
            #expect(logprobs.count == 1)
            let entry = try #require(logprobs.first)
            #expect(entry["token"] == chunk["message"]?["content"])
            #expect(entry["logprob"]?.doubleValue.map { $0 < 0 } == true)
            #expect(entry["bytes"]?.arrayValue?.count == entry["token"]?.stringValue?.utf8.count)
            #expect(entry["top_logprobs"]?.arrayValue?.count == 2)
            #expect(entry["top_logprobs"]?.arrayValue?.first?["token"] == entry["token"], "greedy: the chosen token is the likeliest")
        }
    }

    @Test func textCompletionStreamForGenerate() throws {
        let lines = try lines("llama-server/completion-stream.sse", kind: .generate).map(object)
        #expect(lines.dropLast().map { $0["response"]?.stringValue ?? "" }.joined() == " is is is is")
        #expect(lines.last?["done"] == .bool(true))
        #expect(lines.last?["eval_count"] == .int(4))
    }
}
