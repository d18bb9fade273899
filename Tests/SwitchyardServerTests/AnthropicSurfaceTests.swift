import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SwitchyardCore
import SwitchyardFixtures
import SwitchyardServer
import Testing

/// `/v1/messages` and `/v1/messages/count_tokens` through the real server: translated over an
/// upstream with only chat completions (OpenAI or Ollama), passed through to one that serves
/// them, errors in Anthropic's shape either way.
@Suite struct AnthropicSurfaceTests {
    static let toolRequest = #"""
        {"model":"tiny-tools","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"Weather in Paris?"}],
         "tools":[{"name":"get_weather","description":"Current weather in a city","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
         "metadata":{"user_id":"u"}}
        """#

    @Test func aStreamedToolCallTranslatedFromChatCompletions() async throws {
        var upstream = FakeUpstream()
        upstream.streamFixture = "llama-server/chat-tools-stream.sse"
        try await withProxy(upstream: upstream) { proxy in
            let response = try await proxy.send(.post, "/v1/messages", json: Self.toolRequest, headers: [.init("anthropic-version")!: "2023-06-01"])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/event-stream")
            #expect(response.headers[.init("X-Switchyard-Untranslated")!] == "metadata")
            let reader = try AnthropicStreamReader(Array(response.body.readableBytesView))
            #expect(reader.blocks.map(\.type) == ["tool_use"] && reader.blocks.first?.name == "get_weather")
            #expect(try reader.input(reader.blocks[0])["city"] != nil)
            #expect(reader.stopReason == "tool_use" && reader.usage == ["input_tokens": 477, "output_tokens": 66])
            let sent = try #require(proxy.log.chats.last?.json)
            #expect((sent["tools"] as? [[String: Any]])?.first?["type"] as? String == "function")
            #expect((sent["stream_options"] as? [String: Bool])?["include_usage"] == true && sent["max_tokens"] as? Int == 100)
            #expect(proxy.log.entries.filter { $0.path == "/v1/messages" }.map(\.body) == [Array("{}".utf8)], "the route was probed")
            _ = try await proxy.send(.post, "/v1/messages", json: Self.toolRequest)
            #expect(proxy.log.entries.filter { $0.path == "/v1/messages" }.count == 1, "and only once")
        }
    }

    @Test func aWholeMessageTranslatedFromChatCompletions() async throws {
        var upstream = FakeUpstream()
        upstream.replyFixture = "llama-server/chat-think.json"
        try await withProxy(upstream: upstream) { proxy in
            let response = try await proxy.send(
                .post, "/v1/messages", json: #"{"model":"tiny-think","max_tokens":6,"messages":[{"role":"user","content":"Say hello"}]}"#)
            #expect(response.status == .ok)
            let message = try response.json
            #expect(message["type"] as? String == "message" && message["role"] as? String == "assistant")
            #expect((message["id"] as? String)?.hasPrefix("msg_") == true && message["model"] as? String == "tiny-think")
            let content = try #require(message["content"] as? [[String: Any]])
            #expect(content.map { $0["type"] as? String } == ["thinking", "text"])
            #expect(message["stop_reason"] as? String == "max_tokens")
        }
    }

    @Test func countTokensIsTheUpstreamsOwnPromptCount() async throws {
        try await withProxy(upstream: FakeUpstream()) { proxy in
            let response = try await proxy.send(
                .post, "/v1/messages/count_tokens", json: #"{"model":"tiny","messages":[{"role":"user","content":"Say hello to the world"}]}"#)
            #expect(response.status == .ok)
            let recorded = try JSONSerialization.jsonObject(with: Data(try Fixtures.bytes("llama-server/chat.json"))) as? [String: Any]
            let prompt = (recorded?["usage"] as? [String: Any])?["prompt_tokens"] as? Int
            #expect(try response.json["input_tokens"] as? Int == prompt)
            #expect(proxy.log.chats.last?.json?["max_tokens"] as? Int == 1, "a one-token generation")
        }
    }

    @Test func anUpstreamThatServesTheRouteGetsItByteForByte() async throws {
        try await withProxy(upstream: NativeRoutesUpstream()) { proxy in
            let body = #"{"model":"tiny","max_tokens":6,"stream":true,"messages":[{"role":"user","content":"Say hello to the world"}]}"#
            let response = try await proxy.send(.post, "/v1/messages", json: body)
            #expect(response.status == .ok)
            #expect(Array(response.body.readableBytesView) == (try Fixtures.bytes("llama-server/messages-stream.sse")))
            #expect(proxy.log.entries.last?.body == Array(body.utf8))
            #expect(proxy.log.chats.isEmpty)
            let count = try await proxy.send(.post, "/v1/messages/count_tokens", json: #"{"model":"tiny","messages":[]}"#)
            #expect(Array(count.body.readableBytesView) == (try Fixtures.bytes("llama-server/messages-count-tokens.json")))
        }
    }

    /// The Anthropic SDKs ignore an unnamed `data:` error: a cut pass-through stream must end
    /// with `event: error`, or the client would take the short stream for a whole one.
    @Test func aPassThroughStreamCutMidwayEndsWithAnAnthropicErrorEvent() async throws {
        try await withProxy(upstream: NativeRoutesUpstream()) { proxy in
            let response = try await proxy.send(
                .post, "/v1/messages", json: #"{"model":"cut","max_tokens":6,"stream":true,"messages":[{"role":"user","content":"x"}]}"#)
            let text = response.text
            #expect(text.hasPrefix("event: message_start"))
            #expect(text.hasSuffix("\n\n") && text.contains("event: error\ndata: {\"type\":\"error\""))
            #expect(!text.contains("message_stop"))
        }
    }

    @Test func upstreamErrorsOnThePassThroughAreAnthropicShaped() async throws {
        try await withProxy(upstream: NativeRoutesUpstream()) { proxy in
            let response = try await proxy.send(
                .post, "/v1/messages", json: #"{"model":"overloaded","max_tokens":6,"messages":[{"role":"user","content":"x"}]}"#)
            #expect(response.status == .serviceUnavailable)
            let body = try response.json
            #expect(body["type"] as? String == "error")
            let error = try #require(body["error"] as? [String: Any])
            #expect(error["type"] as? String == "overloaded_error" && error["message"] as? String == "'messages' is required")
        }
    }

    @Test func switchyardsOwnErrorsAreAnthropicShaped() async throws {
        try await withProxy(upstream: FakeUpstream()) { proxy in
            let response = try await proxy.send(.post, "/v1/messages", json: #"{"model":"tiny","messages":[{"role":"user","content":"x"}]}"#)
            #expect(response.status == .badRequest)
            #expect(try response.json["type"] as? String == "error")
            #expect(try (response.json["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")
            let wrongMethod = try await proxy.send(.get, "/v1/messages")
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(try wrongMethod.json["type"] as? String == "error")
        }
    }

    @Test func theAnthropicSDKsKeyHeaderIsAccepted() async throws {
        try await withProxy(
            upstream: FakeUpstream(),
            configure: {
                $0.auth.apiKeys = ["secret"]
                $0.auth.apiKeyHeader = "X-Team-Key"
            }
        ) { proxy in
            let body = #"{"model":"tiny","max_tokens":6,"messages":[{"role":"user","content":"x"}]}"#
            let refused = try await proxy.send(.post, "/v1/messages", json: body, headers: [.init("x-api-key")!: "wrong"])
            #expect(refused.status == .unauthorized)
            #expect(try (refused.json["error"] as? [String: Any])?["type"] as? String == "authentication_error")
            let accepted = try await proxy.send(.post, "/v1/messages", json: body, headers: [.init("x-api-key")!: "secret"])
            #expect(accepted.status == .ok)
            #expect(proxy.log.chats.last?.headers[.init("x-api-key")!] == nil, "the client's key stays here")
        }
    }

    @Test func anthropicClientsListModelsInTheirShape() async throws {
        let version: HTTPFields = [.init("anthropic-version")!: "2023-06-01"]
        try await withProxy(upstream: FakeUpstream()) { proxy in
            let list = try await proxy.send(.get, "/v1/models", headers: version).json
            let data = try #require(list["data"] as? [[String: Any]])
            #expect(data.first?["type"] as? String == "model" && data.first?["id"] as? String == "tiny")
            #expect((data.first?["created_at"] as? String)?.hasSuffix("Z") == true && data.first?["display_name"] as? String == "tiny")
            #expect(list["has_more"] as? Bool == false && list["first_id"] as? String == "tiny")
            let one = try await proxy.send(.get, "/v1/models/tiny", headers: version)
            #expect(one.status == .ok)
            #expect(try one.json["type"] as? String == "model")
            #expect(try await proxy.send(.get, "/v1/models/nope", headers: version).status == .notFound)
            let openAI = try await proxy.send(.get, "/v1/models").json
            #expect(openAI["object"] as? String == "list", "without the header, OpenAI's shape as before")
        }
        var ollama = FakeOllamaUpstream()
        ollama.chatStream = "ollama-docs/chat-stream-thinking-tools.ndjson"
        try await withProxy(upstream: ollama, configure: { $0.upstreamDialect = .ollama }) { proxy in
            let data = try #require(try await proxy.send(.get, "/v1/models", headers: version).json["data"] as? [[String: Any]])
            #expect(!data.isEmpty && data.allSatisfy { $0["type"] as? String == "model" })
        }
    }

    @Test func browsersMayPreflightAnthropicHeaders() async throws {
        try await withProxy(upstream: FakeUpstream()) { proxy in
            let response = try await proxy.send(
                .options, "/v1/messages",
                headers: [
                    .origin: "http://localhost:5173", .accessControlRequestMethod: "POST",
                    .accessControlRequestHeaders: "x-api-key, anthropic-version, anthropic-beta",
                ])
            #expect(response.status == .noContent)
            let allowed = response.headers[.accessControlAllowHeaders]?.lowercased() ?? ""
            #expect(["x-api-key", "anthropic-version", "anthropic-beta"].allSatisfy(allowed.contains))
        }
    }

    @Test func overAnOllamaUpstreamTheChatGoesToApiChat() async throws {
        var upstream = FakeOllamaUpstream()
        upstream.chatStream = "ollama-docs/chat-stream-thinking-tools.ndjson"
        try await withProxy(upstream: upstream, configure: { $0.upstreamDialect = .ollama }) { proxy in
            let response = try await proxy.send(.post, "/v1/messages", json: Self.toolRequest.replacingOccurrences(of: "tiny-tools", with: "qwen3"))
            #expect(response.status == .ok)
            let reader = try AnthropicStreamReader(Array(response.body.readableBytesView))
            #expect(reader.blocks.map(\.type) == ["thinking", "text", "tool_use"])
            #expect(reader.blocks.last?.json == #"{"city":"Tokyo"}"#)
            #expect(reader.usage == ["input_tokens": 26, "output_tokens": 282])
            let sent = try #require(proxy.log.entries.last { $0.path == "/api/chat" }?.json)
            #expect((sent["options"] as? [String: Any])?["num_predict"] as? Int == 100)
            #expect((sent["tools"] as? [[String: Any]])?.count == 1)
            #expect(!proxy.log.entries.contains { $0.path == "/v1/messages" }, "an Ollama upstream is never probed")
        }
    }
}
