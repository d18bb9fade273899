import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import SwitchyardFixtures
import SwitchyardServer
import Testing

@Suite struct OpenAISurfaceTests {
    @Test func requestBodyReachesTheUpstreamUntouched() async throws {
        try await withProxy { proxy in
            // Odd spacing, key order and an unknown field: all of it must arrive as sent.
            let body = #"{ "model":"tiny",  "messages":[{"role":"user","content":"hi"}], "x_vendor":{"a":[1,2]}, "stream":false }"#
            let response = try await proxy.send(.post, "/v1/chat/completions", json: body)
            #expect(response.status == .ok)
            #expect(response.body == ByteBuffer(bytes: try Fixtures.bytes("llama-server/chat.json")))
            #expect(proxy.log.chats.first?.body == Array(body.utf8))
        }
    }

    @Test func streamsArriveByteForByte() async throws {
        try await withProxy { proxy in
            let response = try await proxy.send(
                .post, "/v1/chat/completions", json: #"{"model":"tiny","messages":[],"stream":true}"#)
            #expect(response.headers[.contentType] == "text/event-stream")
            #expect(response.headers[HTTPField.Name("X-Accel-Buffering")!] == "no")
            #expect(response.body == ByteBuffer(bytes: try Fixtures.bytes("llama-server/chat-stream.sse")))
        }
    }

    @Test func modelsAreForwarded() async throws {
        try await withProxy { proxy in
            let models = try await proxy.send(.get, "/v1/models")
            #expect(models.body == ByteBuffer(bytes: try Fixtures.bytes("llama-server/models.json")))
        }
    }

    @Test func hopByHopHeadersStayOnTheirHop() async throws {
        try await withProxy { proxy in
            // A raw client: HummingbirdTesting's own rewrites `Connection`.
            var request = HTTPClientRequest(url: proxy.url + "/v1/chat/completions")
            request.method = .POST
            request.headers = [
                "Connection": "keep-alive, x-hop", "X-Hop": "only for this connection", "X-End-To-End": "kept",
                "Accept-Encoding": "gzip, br", "Authorization": "Bearer client-key", "Content-Type": "application/json",
            ]
            request.body = .bytes(ByteBuffer(string: #"{"model":"tiny","messages":[]}"#))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 20)
            let sent = try #require(proxy.log.chats.first?.headers)
            #expect(sent[HTTPField.Name("X-Hop")!] == nil)
            #expect(sent[HTTPField.Name("X-End-To-End")!] == "kept")
            #expect(sent[.acceptEncoding] == "identity", "streams must arrive uncompressed")
            #expect(sent[.authorization] == "Bearer client-key", "no upstream key configured: the client's is passed on")
        }
    }

    @Test func theConfiguredUpstreamKeyIsSentAsBearer() async throws {
        try await withProxy(configure: { $0.upstreamAPIKey = "sk-upstream" }) { proxy in
            try await proxy.send(.post, "/v1/chat/completions", json: #"{"model":"tiny","messages":[]}"#, headers: [.authorization: "Bearer client"])
            try await proxy.send(.post, "/api/chat", json: #"{"model":"tiny","stream":false,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(proxy.log.chats.map { $0.headers[.authorization] } == ["Bearer sk-upstream", "Bearer sk-upstream"])
            #expect(proxy.log.entries.first { $0.path == "/v1/models" }?.headers[.authorization] == "Bearer sk-upstream")
        }
    }

    @Test func malformedRequestsGetOpenAIErrors() async throws {
        try await withProxy { proxy in
            let cases = [
                ("{\"model\":", "invalid JSON in request body"),
                (#"{"messages":[]}"#, "invalid request: 'model' is required"),
                (#"{"model":7}"#, "invalid request: 'model' must be a string"),
                (#"["model"]"#, "invalid request: the body must be an object"),
            ]
            for (body, message) in cases {
                let response = try await proxy.send(.post, "/v1/chat/completions", json: body)
                #expect(response.status == .badRequest)
                let error = try #require(try response.json["error"] as? [String: Any])
                #expect(error["message"] as? String == message)
                #expect(error["type"] as? String == "invalid_request_error")
            }
            #expect(proxy.log.chats.isEmpty)
        }
    }

    @Test func copilotsPathWithoutV1IsAccepted() async throws {
        try await withProxy { proxy in
            let response = try await proxy.send(.post, "/chat/completions", json: #"{"model":"tiny","messages":[],"stream":false}"#)
            #expect(response.status == .ok)
            #expect(proxy.log.chats.first?.path == "/v1/chat/completions")
        }
    }
}

@Suite struct ModelRetrievalTests {
    /// llama-server answers `GET /v1/models/{id}` with a 404: the entry of its list answers.
    @Test func aModelIsRetrievedFromTheListWhenTheUpstreamHasNoSuchRoute() async throws {
        try await withProxy { proxy in
            let model = try await proxy.send(.get, "/v1/models/tiny")
            #expect(model.status == .ok)
            let object = try model.json
            #expect(object["id"] as? String == "tiny")
            #expect(object["object"] as? String == "model")
            #expect(object["owned_by"] as? String == "llamacpp")
            #expect(object["created"] as? Int == 1_795_316_941)
            let missing = try await proxy.send(.get, "/v1/models/nope")
            #expect(missing.status == .notFound)
            let error = try #require(try missing.json["error"] as? [String: Any])
            #expect(error["code"] as? String == "model_not_found")
            #expect(error["type"] as? String == "not_found_error")
        }
    }

    @Test func anUpstreamThatHasTheRouteAnswersItself() async throws {
        try await withProxy(upstream: ScriptedUpstream(modelAnswer: #"{"id":"tiny","object":"model","created":1,"owned_by":"upstream"}"#)) { proxy in
            let object = try await proxy.send(.get, "/v1/models/tiny").json
            #expect(object["owned_by"] as? String == "upstream")
        }
    }
}
