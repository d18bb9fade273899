import Foundation
import SwitchyardCore
import SwitchyardFixtures
import Testing

@Suite struct SSEToNDJSONTranslatorTests {
    static let start = Timestamp(monotonicNanoseconds: 1_000_000_000, unixNanoseconds: 1_761_498_924_000_000_000)
    static let later = Timestamp(monotonicNanoseconds: 1_250_000_000, unixNanoseconds: 1_761_498_924_250_000_000)

    /// Runs a whole stream through a translator, in the given pieces, and parses the lines.
    func translate(_ chunks: [[UInt8]], kind: OllamaReplyKind = .chat, model: String = "tiny:latest") throws -> (
        bytes: [UInt8], objects: [[String: JSONValue]]
    ) {
        var translator = SSEToNDJSONTranslator(kind: kind, model: model, start: Self.start)
        var out: [UInt8] = []
        for chunk in chunks { out += translator.feed(chunk, at: Self.later) }
        out += translator.finish(at: Self.later)
        #expect(translator.isFinished)
        let lines = out.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        #expect(lines.last?.isEmpty == true, "every NDJSON line ends with a newline")
        let objects = try lines.dropLast().map { try JSONDecoder().decode([String: JSONValue].self, from: Data($0)) }
        return (out, objects)
    }

    /// The text and figures the upstream sent, read straight from the recording.
    func upstreamFacts(_ name: String) throws -> (content: String, finishReason: String, usage: [String: JSONValue], timings: [String: JSONValue]) {
        var content = ""
        var finishReason = ""
        var usage: [String: JSONValue] = [:]
        var timings: [String: JSONValue] = [:]
        for line in try Fixtures.text(name).split(separator: "\n") where line.hasPrefix("data: {") {
            let chunk = try JSONDecoder().decode(JSONValue.self, from: Data(line.dropFirst(6).utf8))
            if let choice = chunk["choices"]?.arrayValue?.first {
                content += choice["delta"]?["content"]?.stringValue ?? ""
                if let reason = choice["finish_reason"]?.stringValue { finishReason = reason }
            }
            if let value = chunk["usage"]?.objectValue { usage = value }
            if let value = chunk["timings"]?.objectValue { timings = value }
        }
        return (content, finishReason, usage, timings)
    }

    @Test(arguments: ["llama-server/chat-stream.sse", "llama-server/chat-stream-stop.sse"])
    func recordedStreamBecomesOllamaChunks(fixture: String) throws {
        let facts = try upstreamFacts(fixture)
        let (_, objects) = try translate([try Fixtures.bytes(fixture)])
        let chunks = objects.dropLast()
        let final = try #require(objects.last)

        #expect(chunks.allSatisfy { $0["done"] == .bool(false) && $0["model"] == .string("tiny:latest") })
        #expect(chunks.allSatisfy { $0["message"]?["role"] == .string("assistant") })
        #expect(chunks.map { $0["message"]?["content"]?.stringValue ?? "" }.joined() == facts.content)
        #expect(chunks.allSatisfy { $0["message"]?["content"]?.stringValue?.isEmpty == false }, "no empty chunks")

        #expect(final["done"] == .bool(true))
        #expect(final["done_reason"] == .string(facts.finishReason))
        #expect(final["message"] == .object(["role": .string("assistant"), "content": .string("")]))
        #expect(final["created_at"] == .string("2025-10-26T17:15:24.250000000Z"))
        // Token counts from `usage`, durations from llama.cpp's own `timings`.
        #expect(final["prompt_eval_count"] == facts.usage["prompt_tokens"])
        #expect(final["eval_count"] == facts.usage["completion_tokens"])
        let promptMS = try #require(facts.timings["prompt_ms"]?.doubleValue)
        let predictedMS = try #require(facts.timings["predicted_ms"]?.doubleValue)
        #expect(final["prompt_eval_duration"] == .int(Int64((promptMS * 1e6).rounded())))
        #expect(final["eval_duration"] == .int(Int64((predictedMS * 1e6).rounded())))
        #expect(final["total_duration"] == .int(250_000_000))
    }

    @Test func identicalOutputAtEverySplitPoint() throws {
        let stream = try Fixtures.bytes("llama-server/chat-stream.sse")
        let whole = try translate([stream]).bytes
        for parts in splits(of: stream) {
            #expect(try translate(parts).bytes == whole)
        }
        #expect(try translate(stream.map { [$0] }).bytes == whole)
    }

    /// The exact Ollama stream each recorded upstream stream becomes: text, reasoning, a tool call.
    @Test(arguments: [
        ("llama-server/chat-stream.sse", "ollama/chat-stream.ndjson"),
        ("llama-server/chat-think-stream.sse", "ollama/chat-think-stream.ndjson"),
        ("llama-server/chat-tools-stream.sse", "ollama/chat-tools-stream.ndjson"),
        ("llama-server/chat-logprobs-stream.sse", "ollama/chat-logprobs-stream.ndjson"),
    ])
    func matchesTheGoldenFile(upstream: String, golden: String) throws {
        let out = try translate([try Fixtures.bytes(upstream)]).bytes
        // SWITCHYARD_RECORD_GOLDEN=1 rewrites the files after a deliberate change; review their diff.
        if ProcessInfo.processInfo.environment["SWITCHYARD_RECORD_GOLDEN"] == "1" {
            try Data(out).write(to: Fixtures.root.appendingPathComponent(golden))
        }
        #expect(String(decoding: out, as: UTF8.self) == (try Fixtures.text(golden)))
    }

    @Test func generateRepliesUseResponse() throws {
        let (_, objects) = try translate([try Fixtures.bytes("llama-server/chat-stream.sse")], kind: .generate, model: "tiny")
        #expect(objects.first?["response"] == .string(" is"))
        #expect(objects.first?["message"] == nil)
        #expect(objects.last?["response"] == .string(""))
        #expect(objects.last?["done"] == .bool(true))
    }

    @Test func withoutTimingsDurationsAreMeasured() throws {
        let stream = """
            data: {"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}

            data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}

            data: [DONE]


            """
        var translator = SSEToNDJSONTranslator(kind: .chat, model: "m", start: Self.start)
        let first = Timestamp(monotonicNanoseconds: 1_100_000_000, unixNanoseconds: 0)
        let end = Timestamp(monotonicNanoseconds: 1_400_000_000, unixNanoseconds: 0)
        let lines = Array(stream.utf8).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { Array($0) + [10] }
        var out = translator.feed(lines[0] + lines[1], at: first)
        out += translator.feed(lines[2...].flatMap { $0 }, at: end)
        let final = try JSONDecoder().decode([String: JSONValue].self, from: Data(out.split(separator: 10).last!))
        #expect(final["prompt_eval_duration"] == .int(100_000_000))  // start → first token
        #expect(final["eval_duration"] == .int(300_000_000))  // first token → end
        #expect(final["prompt_eval_count"] == .int(3))
        #expect(final["eval_count"] == .int(1))
        #expect(final["done_reason"] == .string("stop"))
    }

    @Test func reasoningBecomesThinking() throws {
        let stream =
            Array(#"data: {"choices":[{"delta":{"reasoning_content":"hmm"}}]}"#.utf8) + [10, 10]
            + Array(#"data: {"choices":[{"delta":{"reasoning":"ok"},"finish_reason":"stop"}]}"#.utf8) + [10, 10]
        let (_, objects) = try translate([stream])
        #expect(objects[0]["message"]?["thinking"] == .string("hmm"))
        #expect(objects[0]["message"]?["content"] == .string(""))
        #expect(objects[1]["message"]?["thinking"] == .string("ok"))
    }

    @Test func anUpstreamErrorEndsTheStreamWithAnErrorLine() throws {
        let stream =
            Array(#"data: {"choices":[{"delta":{"content":"a"}}]}"#.utf8) + [10, 10]
            + Array(#"data: {"error":{"message":"model crashed","type":"server_error"}}"#.utf8) + [10, 10]
            + Array(#"data: {"choices":[{"delta":{"content":"never"}}]}"#.utf8) + [10, 10]
        let (_, objects) = try translate([stream])
        #expect(objects.count == 2)
        #expect(objects.last == ["error": .string("model crashed")])
    }

    @Test func aStreamCutBeforeItFinishedIsReported() throws {
        let stream = Array(#"data: {"choices":[{"delta":{"content":"a"}}]}"#.utf8) + [10, 10]
        let (_, objects) = try translate([stream])
        #expect(objects.last?["error"]?.stringValue?.contains("before the response was complete") == true)
        #expect(objects.allSatisfy { $0["done"] != .bool(true) })
    }

    @Test func aMalformedChunkIsReported() throws {
        let (_, objects) = try translate([Array("data: {nope\n\n".utf8)])
        #expect(objects == [["error": .string("upstream sent a malformed stream chunk: {nope")]])
    }

    @Test func aStreamWithoutDoneStillFinishesWhenTheModelDid() throws {
        let stream = Array(#"data: {"choices":[{"delta":{"content":"a"},"finish_reason":"length"}]}"#.utf8) + [10, 10]
        let (_, objects) = try translate([stream])
        #expect(objects.last?["done_reason"] == .string("length"))
    }

    @Test func invalidUTF8BecomesReplacementCharactersOnBothReadingPaths() throws {
        // A byte that is not UTF-8 in a plain text delta (read by the scanner) and in a chunk the
        // scanner leaves to JSONDecoder (a tool call delta with text next to it).
        let bad: [UInt8] = [0xFF]
        let stream =
            Array(#"data: {"choices":[{"delta":{"content":"a"#.utf8) + bad + Array(#"b"}}]}"#.utf8) + [10, 10]
            + Array(#"data: {"choices":[{"delta":{"content":"c"#.utf8) + bad
            + Array(#"","tool_calls":[]},"finish_reason":"stop"}]}"#.utf8) + [10, 10]
        let (_, objects) = try translate([stream])
        #expect(objects.map { $0["message"]?["content"] } == [.string("a\u{FFFD}b"), .string("c\u{FFFD}"), .string("")])
        #expect(objects.last?["done"] == .bool(true))
    }
}
