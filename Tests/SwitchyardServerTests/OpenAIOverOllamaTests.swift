import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwitchyardFixtures
import SwitchyardServer
import Testing

/// OpenAI clients over an Ollama upstream: every route translated to the native API.
@Suite struct OpenAIOverOllamaTests {
    func withOllamaProxy(_ upstream: FakeOllamaUpstream = FakeOllamaUpstream(), _ test: @Sendable (Proxy) async throws -> Void) async throws {
        try await withProxy(upstream: upstream, configure: { $0.upstreamDialect = .ollama }, test)
    }

    @Test func chatCompletionIsTranslatedBothWays() async throws {
        try await withOllamaProxy { proxy in
            let response = try await proxy.send(
                .post, "/v1/chat/completions",
                json: #"{"model":"tiny","messages":[{"role":"user","content":"hi"}],"max_tokens":6,"temperature":0}"#)
            #expect(response.status == .ok)
            let completion = try response.json
            #expect(completion["object"] as? String == "chat.completion")
            #expect((completion["id"] as? String)?.hasPrefix("chatcmpl-") == true)
            let choice = try #require((completion["choices"] as? [[String: Any]])?.first)
            #expect((choice["message"] as? [String: Any])?["content"] as? String == " is is is is is is")
            #expect(choice["finish_reason"] as? String == "length")
            #expect((completion["usage"] as? [String: Any])?["completion_tokens"] as? Int == 6)

            let sent = try #require(proxy.log.entries.first { $0.path == "/api/chat" }?.json)
            #expect(sent["stream"] as? Bool == false)
            #expect((sent["options"] as? [String: Any])?["num_predict"] as? Int == 6)
            #expect((sent["options"] as? [String: Any])?["temperature"] as? Double == 0)
        }
    }

    @Test func streamedChatBecomesSSE() async throws {
        try await withOllamaProxy { proxy in
            let response = try await proxy.send(
                .post, "/v1/chat/completions",
                json: #"{"model":"tiny","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}"#)
            #expect(response.headers[.contentType] == "text/event-stream")
            let events = response.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.allSatisfy { $0.hasPrefix("data: ") })
            #expect(events.last == "data: [DONE]")
            #expect(events.count == 9, "six tokens, the finish chunk, the usage chunk, [DONE]")
            #expect(proxy.log.entries.first { $0.path == "/api/chat" }?.json?["stream"] as? Bool == true)
        }
    }

    @Test func anErrorMidStreamIsRaisedNotSwallowed() async throws {
        try await withOllamaProxy(FakeOllamaUpstream(chatStream: "ollama-docs/chat-stream-error.ndjson")) { proxy in
            let response = try await proxy.send(.post, "/v1/chat/completions", json: #"{"model":"tiny","messages":[],"stream":true}"#)
            let events = response.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            #expect(events.last?.contains(#""message":"an error was encountered while running the model""#) == true)
            #expect(!events.contains("data: [DONE]"))
        }
    }

    @Test func legacyCompletions() async throws {
        try await withOllamaProxy { proxy in
            let completion = try await proxy.send(.post, "/v1/completions", json: #"{"model":"tiny","prompt":"Once upon a time","max_tokens":4}"#)
                .json
            #expect(completion["object"] as? String == "text_completion")
            #expect(((completion["choices"] as? [[String: Any]])?.first?["text"] as? String)?.isEmpty == false)
            #expect(proxy.log.entries.first { $0.path == "/api/generate" }?.json?["prompt"] as? String == "Once upon a time")
        }
    }

    @Test func embeddingsAndModels() async throws {
        try await withOllamaProxy { proxy in
            let embeddings = try await proxy.send(.post, "/v1/embeddings", json: #"{"model":"tiny-embed","input":["a","b"]}"#).json
            #expect((embeddings["data"] as? [[String: Any]])?.count == 2)
            #expect(proxy.log.entries.first { $0.path == "/api/embed" }?.json?["input"] as? [String] == ["a", "b"])
            let models = try await proxy.send(.get, "/v1/models").json
            #expect((models["data"] as? [[String: Any]])?.first?["id"] as? String == "tiny:latest")
            let model = try await proxy.send(.get, "/v1/models/tiny%3Alatest").json
            #expect(model["id"] as? String == "tiny:latest")
            #expect(proxy.log.entries.last { $0.path == "/api/show" }?.json?["model"] as? String == "tiny:latest")
        }
    }

    @Test func upstreamErrorsComeBackInOpenAIsShape() async throws {
        try await withOllamaProxy { proxy in
            for (method, path, body) in [
                (HTTPRequest.Method.post, "/v1/chat/completions", #"{"model":"missing","messages":[]}"#),
                (.get, "/v1/models/missing", nil),
            ] {
                let response = try await proxy.send(method, path, json: body)
                #expect(response.status == .notFound)
                let error = try #require(try response.json["error"] as? [String: Any])
                #expect(error["message"] as? String == "model 'missing' not found")
                #expect(error["type"] as? String == "not_found_error")
            }
        }
    }

    @Test func unsupportedRequestsAreRefusedOrReported() async throws {
        try await withOllamaProxy { proxy in
            let refused = try await proxy.send(.post, "/v1/chat/completions", json: #"{"model":"tiny","messages":[],"n":3}"#)
            #expect(refused.status == .badRequest)
            #expect(try (refused.json["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")
            let reported = try await proxy.send(.post, "/v1/chat/completions", json: #"{"model":"tiny","messages":[],"logit_bias":{"5":1}}"#)
            #expect(reported.status == .ok)
            #expect(reported.headers[HTTPField.Name("X-Switchyard-Untranslated")!] == "logit_bias")
            #expect(proxy.log.entries.filter { $0.path == "/api/chat" }.count == 1)
        }
    }
}
