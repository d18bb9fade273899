import Foundation
import SwitchyardCore
import SwitchyardFixtures
import Testing

@Suite struct NDJSONToSSETranslatorTests {
    struct Output {
        var bytes: [UInt8]
        var events: [String]  // the data of each SSE event

        var objects: [[String: Any]] {
            events.filter { $0 != "[DONE]" }.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }

        var deltas: [[String: Any]] {
            objects.compactMap { (($0["choices"] as? [[String: Any]])?.first)?["delta"] as? [String: Any] }
        }
    }

    func translate(_ chunks: [[UInt8]], kind: NDJSONToSSETranslator.Kind = .chat, includeUsage: Bool = true) -> Output {
        var translator = NDJSONToSSETranslator(kind: kind, model: "tiny", id: "chatcmpl-1", created: 1_700_000_000, includeUsage: includeUsage)
        var out: [UInt8] = []
        for chunk in chunks { out += translator.feed(chunk) }
        out += translator.finish()
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.hasSuffix("\n\n"), "every event is terminated")
        let events = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { event in
            #expect(event.hasPrefix("data: "))
            return String(event.dropFirst(6))
        }
        return Output(bytes: out, events: events)
    }

    @Test func recordedOllamaStreamBecomesChatCompletionChunks() throws {
        let stream = try Fixtures.bytes("switchyard-ollama/chat-stream.ndjson")
        let lines = try stream.split(separator: 10).map { try #require(try JSONSerialization.jsonObject(with: Data($0)) as? [String: Any]) }
        let output = translate([stream])
        #expect(output.events.last == "[DONE]")
        #expect(output.objects.allSatisfy { $0["id"] as? String == "chatcmpl-1" && $0["model"] as? String == "tiny" })
        #expect(output.objects.allSatisfy { $0["created"] as? Int == 1_700_000_000 })
        let deltas = output.deltas
        #expect(deltas.first?["role"] as? String == "assistant")
        #expect(deltas.dropFirst().allSatisfy { $0["role"] == nil }, "role only in the first delta")
        let text = deltas.compactMap { $0["content"] as? String }.joined()
        let expected = lines.compactMap { ($0["message"] as? [String: Any])?["content"] as? String }.joined()
        #expect(text == expected)
        let finish = output.objects[output.objects.count - 2]
        #expect((finish["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String == "length")
        let usage = try #require(output.objects.last?["usage"] as? [String: Any])
        let final = try #require(lines.last)
        #expect(usage["prompt_tokens"] as? Int == final["prompt_eval_count"] as? Int)
        #expect(usage["completion_tokens"] as? Int == final["eval_count"] as? Int)
        #expect(output.objects.last?["choices"] as? [Any] != nil && (output.objects.last?["choices"] as? [Any])?.isEmpty == true)
    }

    @Test(arguments: [
        "switchyard-ollama/chat-stream.ndjson", "ollama-docs/chat-stream-thinking-tools.ndjson", "ollama-docs/chat-stream-error.ndjson",
    ])
    func identicalOutputAtEverySplitPoint(fixture: String) throws {
        let stream = try Fixtures.bytes(fixture)
        let whole = translate([stream]).bytes
        for parts in splits(of: stream) {
            #expect(translate(parts).bytes == whole)
        }
    }

    @Test func withoutIncludeUsageThereIsNoUsageChunk() throws {
        let output = translate([try Fixtures.bytes("switchyard-ollama/chat-stream.ndjson")], includeUsage: false)
        #expect(output.objects.allSatisfy { $0["usage"] == nil })
        #expect(output.events.last == "[DONE]")
    }

    @Test func thinkingAndToolCallsFromTheDocumentedFormat() throws {
        let output = translate([try Fixtures.bytes("ollama-docs/chat-stream-thinking-tools.ndjson")])
        let deltas = output.deltas
        #expect(deltas[0]["reasoning_content"] as? String == "Let me")
        #expect(deltas[0]["reasoning"] as? String == "Let me")
        #expect(deltas[1]["reasoning_content"] as? String == " check the weather.")
        #expect(deltas[2]["content"] as? String == "Checking")
        let call = try #require((deltas[3]["tool_calls"] as? [[String: Any]])?.first)
        #expect(call["index"] as? Int == 0)
        #expect(call["id"] as? String == "call_k3x9p2qa")
        #expect(call["type"] as? String == "function")
        let function = try #require(call["function"] as? [String: Any])
        #expect(function["name"] as? String == "get_weather")
        #expect(function["arguments"] as? String == #"{"city":"Tokyo"}"#)
        let finish = (output.objects[output.objects.count - 2]["choices"] as? [[String: Any]])?.first
        #expect(finish?["finish_reason"] as? String == "tool_calls")
    }

    @Test func toolCallsOnTheFinalChunkGetIndexesAndIDs() throws {
        let output = translate([try Fixtures.bytes("ollama-docs/chat-tools-final-chunk.ndjson")])
        let calls = output.deltas.compactMap { $0["tool_calls"] as? [[String: Any]] }.flatMap { $0 }
        #expect(calls.map { $0["index"] as? Int } == [0, 1])
        let ids = calls.compactMap { $0["id"] as? String }
        #expect(ids.count == 2 && Set(ids).count == 2 && ids.allSatisfy { $0.hasPrefix("call_") })
        #expect((calls[1]["function"] as? [String: Any])?["arguments"] as? String == "{}")
        // Stable: the same stream gives the same ids.
        let again = translate([try Fixtures.bytes("ollama-docs/chat-tools-final-chunk.ndjson")])
        #expect(again.bytes == output.bytes)
    }

    @Test func anErrorLineBecomesAnErrorEventAndNoDone() throws {
        let output = translate([try Fixtures.bytes("ollama-docs/chat-stream-error.ndjson")])
        #expect(output.events.last != "[DONE]")
        let error = try #require(output.objects.last?["error"] as? [String: Any])
        #expect(error["message"] as? String == "an error was encountered while running the model")
        #expect(error["type"] as? String == "api_error")
        #expect(output.deltas.first?["content"] as? String == "The")
    }

    @Test func aStreamCutBeforeDoneIsAnError() {
        let output = translate([Array(#"{"message":{"content":"a"},"done":false}"#.utf8) + [10]])
        #expect(
            (output.objects.last?["error"] as? [String: Any])?["message"] as? String == "upstream closed the stream before the response was complete")
        #expect(!output.events.contains("[DONE]"))
    }

    @Test func generateBecomesTextCompletionChunks() throws {
        let output = translate([try Fixtures.bytes("switchyard-ollama/generate-stream.ndjson")], kind: .completion, includeUsage: false)
        #expect(output.objects.allSatisfy { $0["object"] as? String == "text_completion" })
        let choices = output.objects.compactMap { ($0["choices"] as? [[String: Any]])?.first }
        #expect(choices.dropLast().allSatisfy { ($0["text"] as? String)?.isEmpty == false && $0["finish_reason"] is NSNull })
        #expect(choices.last?["finish_reason"] as? String == "length")
        #expect(output.events.last == "[DONE]")
    }
}
