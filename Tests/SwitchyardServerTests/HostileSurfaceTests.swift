import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SwitchyardFixtures
import Testing

@testable import SwitchyardServer

/// Hostile bodies and broken upstreams on `/v1/messages` and `/v1/responses`: an error in the
/// surface's own shape, a stream that ends with its error event, and a server that keeps serving.
@Suite struct HostileSurfaceTests {
    static let messages = "/v1/messages"
    static let responses = "/v1/responses"

    /// The surface's error object: Anthropic's for `/v1/messages`, OpenAI's for `/v1/responses`.
    static func errorType(_ response: TestResponse, path: String) throws -> String? {
        let body = try response.json
        if path == messages {
            #expect(body["type"] as? String == "error")
            return (body["error"] as? [String: Any])?["type"] as? String
        }
        return (body["error"] as? [String: Any])?["type"] as? String
    }

    @Test(arguments: [messages, responses])
    func deepAndHugeBodiesAreRefusedInTheSurfacesShape(_ path: String) async throws {
        try await withProxy { proxy in
            for (depth, status) in [(600_000, HTTPResponse.Status.badRequest), (1_100_000, .contentTooLarge)] {
                let deep = HostileClientTests.nested(depth)
                let reply = try await proxy.send(.post, path, json: #"{"model":"tiny","max_tokens":5,"messages":"# + deep + #","input":"x"}"#)
                #expect(reply.status == status)
                let type = try Self.errorType(reply, path: path)
                #expect(type == (status == .contentTooLarge && path == Self.messages ? "request_too_large" : "invalid_request_error"))
            }
            #expect(proxy.log.chats.isEmpty)
            try await HostileClientTests.expectAlive(proxy)
        }
    }

    @Test(arguments: [
        #"{"model":"tiny","max_tokens":1e300,"messages":[]}"#, #"{"model":"tiny","max_tokens":-1,"messages":[]}"#,
        #"{"model":"tiny","max_tokens":5,"messages":{}}"#, #"{"model":"tiny","max_tokens":5,"messages":[],"temperature":"hot"}"#,
        #"{"model":"tiny","max_tokens":5,"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"a","name":"f","input":[1]}]}]}"#,
        #"{"model":"tiny","max_tokens":5,"messages":[],"thinking":{"type":"enabled","budget_tokens":1e300}}"#, #"[]"#, #""just a string""#,
        #"{"model":"","max_tokens":5,"messages":[]}"#,
    ])
    func malformedMessagesAre400sOrServed(_ body: String) async throws {
        try await withProxy { proxy in
            let reply = try await proxy.send(.post, Self.messages, json: body)
            #expect([200, 400].contains(Int(reply.status.code)), "\(body): \(reply.status)")
            if reply.status == .badRequest { #expect(try Self.errorType(reply, path: Self.messages) == "invalid_request_error") }
            try await HostileClientTests.expectAlive(proxy)
        }
    }

    @Test(arguments: [
        #"{"model":"tiny","input":"x","max_output_tokens":1e300}"#, #"{"model":"tiny","input":7}"#,
        #"{"model":"tiny","input":[{"type":"function_call","call_id":"c"}]}"#, #"{"model":"tiny","input":[null]}"#,
        #"{"model":"tiny","input":"x","tools":[{"type":"function"}]}"#, #"{"model":"tiny","input":"x","text":{"format":{"type":"json_schema"}}}"#,
    ])
    func malformedResponsesAre400s(_ body: String) async throws {
        try await withProxy { proxy in
            let reply = try await proxy.send(.post, Self.responses, json: body)
            #expect(reply.status == .badRequest, "\(body)")
            #expect(try Self.errorType(reply, path: Self.responses) == "invalid_request_error")
            try await HostileClientTests.expectAlive(proxy)
        }
    }

    @Test func invalidUTF8IsA400InAnthropicsShape() async throws {
        try await withProxy { proxy in
            var invalid = ByteBuffer(string: #"{"model":"tiny","max_tokens":5,"messages":[{"role":"user","content":""#)
            invalid.writeBytes([0xC3, 0x28, 0xFF])
            invalid.writeString(#""}]}"#)
            let reply = try await proxy.client.execute(uri: Self.messages, method: .post, headers: [.contentType: "application/json"], body: invalid)
            #expect(reply.status == .badRequest)
            #expect(try Self.errorType(reply, path: Self.messages) == "invalid_request_error")
        }
    }

    /// A broken upstream: negative usage, a huge tool-call index, a cut before the end.
    @Test func brokenUpstreamStreamsEndInTheSurfacesErrorEvent() async throws {
        var upstream = ScriptedUpstream()
        upstream.chat.body = Array(
            ([
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":9223372036854775807,"id":"a","function":{"name":"f","arguments":"{}"}}]}}]}"#,
                #"{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"b","function":{"name":"g","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}"#,
                #"{"choices":[],"usage":{"prompt_tokens":-5,"completion_tokens":-9223372036854775808}}"#,
            ].map { "data: \($0)\n\n" }.joined()).utf8)
        upstream.chat.breakOff = true
        try await withProxy(upstream: upstream) { proxy in
            let anthropic = try await proxy.send(
                .post, Self.messages, json: #"{"model":"tiny","max_tokens":5,"stream":true,"messages":[{"role":"user","content":"x"}]}"#)
            let reader = try AnthropicStreamReader(Array(anthropic.body.readableBytesView))
            // The unindexed call's index saturates onto the first one's: their arguments merge into
            // no JSON object, and the stream ends with an error event (it is cut anyway) — no trap.
            #expect(reader.blocks.first?.name == "f")
            #expect(reader.names.last == "error" && reader.error != nil)
            let responses = try await proxy.send(.post, Self.responses, json: #"{"model":"tiny","input":"x","stream":true}"#)
            let responsesReader = try ResponsesStreamReader(Array(responses.body.readableBytesView))
            #expect(responsesReader.types.last == "response.failed")
            try await HostileClientTests.expectAlive(proxy)
        }
    }

    @Test func negativeUsageFromAWholeReplyIsNeverShown() async throws {
        var upstream = ScriptedUpstream()
        upstream.chat = .init(
            contentType: "application/json",
            body: Array(
                #"{"choices":[{"index":0,"message":{"content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":-5,"completion_tokens":-1}}"#
                    .utf8))
        try await withProxy(upstream: upstream) { proxy in
            let reply = try await proxy.send(
                .post, Self.messages, json: #"{"model":"tiny","max_tokens":5,"messages":[{"role":"user","content":"x"}]}"#)
            #expect(reply.status == .ok)
            #expect(try reply.json["usage"] as? [String: Int] == ["input_tokens": 0, "output_tokens": 0])
        }
    }
}
