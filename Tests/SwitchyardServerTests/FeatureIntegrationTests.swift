import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwitchyardFixtures
import SwitchyardServer
import Testing

/// Tools, reasoning, images, raw generation and upstream refusals through the running server,
/// against a fake upstream replaying llama-server's recorded answers.
@Suite struct FeatureIntegrationTests {
    static let tools =
        #"[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","required":["city"],"properties":{"city":{"type":"string","enum":["Paris","Tokyo"]}}}}}]"#

    @Test func streamedToolCallReachesTheOllamaClientWhole() async throws {
        let upstream = FakeUpstream(streamFixture: "llama-server/chat-tools-stream.sse", replyFixture: "llama-server/chat-tools.json")
        // The recorded tiny model's /props says no tools; configuration says otherwise.
        try await withProxy(
            upstream: upstream,
            configure: {
                $0.capabilityOverrides = ["tiny:latest": ["completion", "tools"]]
                $0.toolChoices = ["tiny:latest": "required"]
            }
        ) { proxy in
            let response = try await proxy.send(
                .post, "/api/chat", json: #"{"model":"tiny","messages":[{"role":"user","content":"Weather in Paris?"}],"tools":\#(Self.tools)}"#)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/x-ndjson")
            let lines = try response.lines
            #expect(lines.count == 2)
            let call = try #require((lines.first?["message"] as? [String: Any])?["tool_calls"] as? [[String: Any]])
            let function = try #require(call.first?["function"] as? [String: Any])
            #expect(function["name"] as? String == "get_weather")
            #expect(function["arguments"] as? [String: String] == ["city": "Paris"])
            #expect(lines.last?["done"] as? Bool == true)
            let sent = try #require(proxy.log.chats.last?.json)
            #expect(sent["tool_choice"] as? String == "required", "the configured per-model default")
            #expect((sent["tools"] as? [[String: Any]])?.count == 1)
            #expect(response.headers[HTTPField.Name("X-Switchyard-Untranslated")!] == nil)

            let whole = try await proxy.send(
                .post, "/api/chat", json: #"{"model":"tiny","stream":false,"messages":[{"role":"user","content":"Weather?"}],"tools":\#(Self.tools)}"#
            ).json
            let calls = try #require((whole["message"] as? [String: Any])?["tool_calls"] as? [[String: Any]])
            #expect((calls.first?["function"] as? [String: Any])?["arguments"] as? [String: String] == ["city": "Paris"])
        }
    }

    @Test func toolsForAModelWhoseTemplateHasNoneAreRefusedAsOllamaDoes() async throws {
        try await withProxy { proxy in
            let response = try await proxy.send(
                .post, "/api/chat", json: #"{"model":"tiny","messages":[{"role":"user","content":"hi"}],"tools":\#(Self.tools)}"#)
            #expect(response.status == .badRequest)
            #expect(try response.json["error"] as? String == #""tiny" does not support tools"#)
            #expect(proxy.log.chats.isEmpty, "refused before the upstream is bothered")
        }
    }

    @Test func anUpstreamThatCannotSeeImagesGivesA400WithItsOwnReason() async throws {
        // Capabilities unknown (no /props): the request goes up and llama-server's 500 comes back.
        let upstream = FakeUpstream(chat: .status(500, fixture: "llama-server/error-image-unsupported.json"), propsFixture: nil)
        try await withProxy(upstream: upstream) { proxy in
            let response = try await proxy.send(
                .post, "/api/chat", json: #"{"model":"tiny","messages":[{"role":"user","content":"what?","images":["iVBORw0KGgo="]}]}"#)
            #expect(response.status == .badRequest)
            #expect((try response.json["error"] as? String)?.hasPrefix("image input is not supported") == true)
            let sent = try #require(proxy.log.chats.last?.json)
            let parts = try #require(((sent["messages"] as? [[String: Any]])?.first?["content"]) as? [[String: Any]])
            #expect((parts.last?["image_url"] as? [String: String])?["url"] == "data:image/png;base64,iVBORw0KGgo=")
        }
    }

    @Test func busyUpstreamsRetryAfterReachesTheClient() async throws {
        let upstream = FakeUpstream(chat: .status(503, fixture: "llama-server/error-context-overflow.json", headers: [.retryAfter: "7"]))
        try await withProxy(upstream: upstream) { proxy in
            let ollama = try await proxy.send(.post, "/api/chat", json: #"{"model":"tiny","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(ollama.status == .serviceUnavailable)
            #expect(ollama.headers[.retryAfter] == "7")
            #expect(try ollama.json["error"] is String)
        }
    }

    @Test func reasoningStreamsAsThinkingAndThinkFalseReachesTheTemplate() async throws {
        let upstream = FakeUpstream(propsFixture: "llama-server/think-props.json", streamFixture: "llama-server/chat-think-stream.sse")
        try await withProxy(upstream: upstream) { proxy in
            let show = try await proxy.send(.post, "/api/show", json: #"{"model":"tiny"}"#).json
            #expect((show["capabilities"] as? [String])?.contains("thinking") == true)
            let lines = try await proxy.send(.post, "/api/chat", json: #"{"model":"tiny","messages":[{"role":"user","content":"hi"}]}"#).lines
            let thinking = lines.compactMap { ($0["message"] as? [String: Any])?["thinking"] as? String }.joined()
            #expect(thinking == " hello world")
            let hidden = try await proxy.send(
                .post, "/api/chat", json: #"{"model":"tiny","think":false,"messages":[{"role":"user","content":"hi"}]}"#
            ).lines
            #expect(hidden.allSatisfy { ($0["message"] as? [String: Any])?["thinking"] == nil })
            let sent = try #require(proxy.log.chats.last?.json)
            #expect(sent["chat_template_kwargs"] as? [String: Bool] == ["enable_thinking": false], "llama.cpp's switch")
            #expect(sent["reasoning_effort"] as? String == "none")
        }
    }

    @Test func rawGenerateIsATextCompletion() async throws {
        try await withProxy { proxy in
            let lines = try await proxy.send(.post, "/api/generate", json: #"{"model":"tiny","prompt":"def add(a, b):","suffix":"    return a + b"}"#)
                .lines
            #expect(lines.dropLast().map { $0["response"] as? String ?? "" }.joined() == " is is is is")
            #expect(lines.last?["done"] as? Bool == true)
            let sent = try #require(proxy.log.completions.last?.json)
            #expect(sent["prompt"] as? String == "def add(a, b):")
            #expect(sent["suffix"] as? String == "    return a + b")
            #expect(proxy.log.chats.isEmpty)
        }
    }
}
