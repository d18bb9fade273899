import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SwitchyardCore
import SwitchyardFixtures
import SwitchyardServer
import Testing

/// `/v1/responses` through the real server: translated over chat completions (OpenAI or
/// Ollama), passed through to an upstream that serves it well, stateless either way.
@Suite struct ResponsesSurfaceTests {
    static let request = #"{"model":"tiny","input":"Say hello to the world","max_output_tokens":6,"temperature":0,"stream":true}"#

    @Test func aStreamTranslatedFromChatCompletions() async throws {
        var upstream = FakeUpstream()
        upstream.streamFixture = "llama-server/chat-tools-stream.sse"
        try await withProxy(upstream: upstream) { proxy in
            let response = try await proxy.send(.post, "/v1/responses", json: Self.request)
            #expect(response.status == .ok && response.headers[.contentType] == "text/event-stream")
            let reader = try ResponsesStreamReader(Array(response.body.readableBytesView))
            #expect(reader.types.last == "response.completed")
            #expect(reader.output.map { $0["type"] as? String } == ["function_call"])
            #expect(reader.response["model"] as? String == "tiny" && reader.response["max_output_tokens"] as? Int == 6)
            let sent = try #require(proxy.log.chats.last?.json)
            #expect(
                sent["max_tokens"] as? Int == 6 && (sent["messages"] as? [[String: Any]])?.first?["content"] as? String == "Say hello to the world")
        }
    }

    @Test func aWholeResponseTranslatedFromChatCompletions() async throws {
        try await withProxy(upstream: FakeUpstream()) { proxy in
            let response = try await proxy.send(.post, "/v1/responses", json: Self.request.replacingOccurrences(of: #","stream":true"#, with: ""))
            #expect(response.status == .ok)
            let body = try response.json
            #expect(body["object"] as? String == "response" && (body["id"] as? String)?.hasPrefix("resp_") == true)
            let output = try #require(body["output"] as? [[String: Any]])
            #expect(output.first?["type"] as? String == "message")
            let text = ((output.first?["content"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
            let recorded = try JSONSerialization.jsonObject(with: Data(try Fixtures.bytes("llama-server/chat.json"))) as? [String: Any]
            let expected = ((recorded?["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String
            #expect(text == expected)
            let usage = try #require(body["usage"] as? [String: Any])
            #expect(usage["total_tokens"] as? Int == (usage["input_tokens"] as? Int ?? 0) + (usage["output_tokens"] as? Int ?? 0))
        }
    }

    @Test func anUpstreamThatServesResponsesWellGetsThemByteForByte() async throws {
        try await withProxy(upstream: NativeRoutesUpstream(server: "vllm")) { proxy in
            let response = try await proxy.send(.post, "/v1/responses", json: Self.request)
            #expect(Array(response.body.readableBytesView) == (try Fixtures.bytes("llama-server/responses-stream.sse")))
            #expect(proxy.log.chats.isEmpty)
        }
    }

    /// llama-server's own stream lacks what the openai SDK's `responses.stream()` reads.
    @Test func llamaServersOwnResponsesRouteIsTranslatedInstead() async throws {
        try await withProxy(upstream: NativeRoutesUpstream(server: "llama.cpp")) { proxy in
            let response = try await proxy.send(.post, "/v1/responses", json: Self.request)
            let reader = try ResponsesStreamReader(Array(response.body.readableBytesView))
            #expect(reader.types.last == "response.incomplete")
            #expect(proxy.log.chats.count == 1)
        }
    }

    @Test func nativeRoutesNeverTranslatesEvenWhatTheUpstreamServes() async throws {
        try await withProxy(upstream: NativeRoutesUpstream(server: "vllm"), configure: { $0.nativeRoutes = .never }) { proxy in
            _ = try await proxy.send(.post, "/v1/responses", json: Self.request)
            _ = try await proxy.send(.post, "/v1/messages", json: #"{"model":"tiny","max_tokens":5,"messages":[{"role":"user","content":"x"}]}"#)
            #expect(proxy.log.chats.count == 2)
            #expect(!proxy.log.entries.contains { $0.path != "/v1/chat/completions" && $0.method == .post }, "nothing probed")
        }
    }

    @Test func storedResponsesAreNotFoundAndStatefulRequestsRefused() async throws {
        try await withProxy(upstream: FakeUpstream()) { proxy in
            let lookup = try await proxy.send(.get, "/v1/responses/resp_123")
            #expect(lookup.status == .notFound)
            #expect(
                try (lookup.json["error"] as? [String: Any])?["message"] as? String
                    == "responses are not stored: Switchyard keeps no state between requests")
            let chained = try await proxy.send(.post, "/v1/responses", json: #"{"model":"tiny","input":"x","previous_response_id":"resp_1"}"#)
            #expect(chained.status == .badRequest)
            #expect(try (chained.json["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")
            #expect(proxy.log.chats.isEmpty)
        }
    }

    @Test func overAnOllamaUpstreamTheChatGoesToApiChat() async throws {
        var upstream = FakeOllamaUpstream()
        upstream.chatStream = "ollama-docs/chat-stream-thinking-tools.ndjson"
        try await withProxy(upstream: upstream, configure: { $0.upstreamDialect = .ollama }) { proxy in
            let response = try await proxy.send(.post, "/v1/responses", json: Self.request)
            let reader = try ResponsesStreamReader(Array(response.body.readableBytesView))
            #expect(reader.output.map { $0["type"] as? String } == ["reasoning", "message", "function_call"])
            #expect(reader.output.last?["arguments"] as? String == #"{"city":"Tokyo"}"#)
            let usage = try #require(reader.response["usage"] as? [String: Any])
            #expect(usage["input_tokens"] as? Int == 26 && usage["output_tokens"] as? Int == 282)
            let sent = try #require(proxy.log.entries.last { $0.path == "/api/chat" }?.json)
            #expect((sent["options"] as? [String: Any])?["num_predict"] as? Int == 6)
        }
    }
}
