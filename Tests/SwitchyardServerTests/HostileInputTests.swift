import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

@testable import SwitchyardServer

/// Hostile clients and broken upstreams against the real server: every case answers with an
/// error in the caller's dialect (or ends the stream with one), and the server keeps serving.
@Suite struct HostileClientTests {
    static func nested(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }

    /// The server still answers a plain request.
    static func expectAlive(_ proxy: Proxy) async throws {
        let version = try await proxy.send(.get, "/api/version")
        #expect(version.status == .ok)
    }

    @Test func bodiesNestedMillionsDeepAreRefused() async throws {
        try await withProxy { proxy in
            // Past the scanner's and JSONDecoder's depth of 512: a 400. Past a million values
            // (each `[` is one): refused before parsing, a 413.
            for (depth, status) in [(600_000, HTTPResponse.Status.badRequest), (1_100_000, .contentTooLarge)] {
                let deep = Self.nested(depth)
                let openAI = try await proxy.send(.post, "/v1/chat/completions", json: #"{"model":"tiny","messages":"# + deep + "}")
                #expect(openAI.status == status)
                #expect(try (openAI.json["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")
                let ollama = try await proxy.send(.post, "/api/chat", json: #"{"model":"tiny","messages":"# + deep + "}")
                #expect(ollama.status == status)
                #expect(try ollama.json["error"] is String)
            }
            #expect(proxy.log.chats.isEmpty)
            try await Self.expectAlive(proxy)
        }
    }

    @Test func keepAliveOutOfRangeSaturatesOrIsRefused() async throws {
        try await withProxy { proxy in
            let base = #"{"model":"tiny","stream":false,"messages":[{"role":"user","content":"hi"}],"keep_alive":"#
            let forever = try await proxy.send(.post, "/api/chat", json: base + "1e10}")
            #expect(forever.status == .ok)
            let ps = try await proxy.send(.get, "/api/ps").json
            #expect((ps["models"] as? [[String: Any]])?.first?["expires_at"] as? String != nil)
            for bad in [#""9999999999h""#, #""nan""#, #""inf""#, #""-9999999999999h""#] {
                let reply = try await proxy.send(.post, "/api/chat", json: base + bad + "}")
                #expect(reply.status == .badRequest, "\(bad)")
                #expect(try (reply.json["error"] as? String)?.contains("keep_alive") == true, "\(bad)")
            }
            try await Self.expectAlive(proxy)
        }
    }

    @Test(arguments: [
        #""num_ctx":1e300"#, #""num_predict":-9223372036854775808"#, #""temperature":1e308"#, #""seed":1e20"#,
        #""top_k":99999999999999999999999"#, #""top_p":-1e-320"#, #""num_ctx":1e999"#, #""stop":[1e999]"#,
    ])
    func extremeOptionsNeverTakeTheServerDown(_ option: String) async throws {
        try await withProxy { proxy in
            let reply = try await proxy.send(
                .post, "/api/chat", json: #"{"model":"tiny","stream":false,"messages":[{"role":"user","content":"hi"}],"options":{"# + option + "}}")
            #expect([200, 400].contains(Int(reply.status.code)), "\(option): \(reply.status)")
            let openAI = try await proxy.send(
                .post, "/v1/chat/completions", json: #"{"model":"tiny","messages":[{"role":"user","content":"hi"}],"# + option + "}")
            #expect([200, 400].contains(Int(openAI.status.code)), "\(option): \(openAI.status)")
            try await Self.expectAlive(proxy)
        }
    }

    @Test func extremeTopLevelNumbersAreRefusedOrCarried() async throws {
        try await withProxy { proxy in
            for field in [#""top_logprobs":1e20"#, #""top_logprobs":-1"#, #""logprobs":1e999"#] {
                let reply = try await proxy.send(
                    .post, "/api/chat", json: #"{"model":"tiny","stream":false,"messages":[{"role":"user","content":"hi"}],"# + field + "}")
                #expect(reply.status == .badRequest, "\(field)")
            }
            try await Self.expectAlive(proxy)
        }
    }

    @Test func invalidUTF8AndLoneSurrogatesAre400sWhileNULIsText() async throws {
        try await withProxy { proxy in
            var invalid = ByteBuffer(string: #"{"model":"tiny","messages":[{"role":"user","content":""#)
            invalid.writeBytes([0xC3, 0x28, 0xFF])
            invalid.writeString(#""}]}"#)
            let translated = try await proxy.client.execute(
                uri: "/api/chat", method: .post, headers: [.contentType: "application/json"], body: invalid)
            #expect(translated.status == .badRequest)
            // A pass-through body is checked for its model only, then sent on byte for byte:
            // what the upstream makes of the rest is the upstream's call.
            _ = try await proxy.client.execute(uri: "/v1/chat/completions", method: .post, headers: [.contentType: "application/json"], body: invalid)
            #expect(proxy.log.chats.last?.body == Array(invalid.readableBytesView))
            let surrogate = try await proxy.send(.post, "/api/chat", json: #"{"model":"tiny","messages":[{"role":"user","content":"a\ud800b"}]}"#)
            #expect(surrogate.status == .badRequest)
            let nul = try await proxy.send(
                .post, "/api/chat", json: #"{"model":"tiny","stream":false,"messages":[{"role":"user","content":"a\u0000b"}]}"#)
            #expect(nul.status == .ok)
            #expect(proxy.log.chats.last.map { String(decoding: $0.body, as: UTF8.self).contains(#"a\u0000b"#) } == true)
            try await Self.expectAlive(proxy)
        }
    }

    @Test func oversizedHeadsAre431InTheCallersDialectAndHugeOnesAreRefusedByTheParser() async throws {
        try await withProxy { proxy in
            let big: HTTPFields = [HTTPField.Name("X-Padding")!: String(repeating: "a", count: 40 * 1024)]
            let ollama = try await proxy.send(.get, "/api/tags", headers: big)
            #expect(ollama.status.code == 431)
            #expect(try (ollama.json["error"] as? String)?.contains("too large") == true)
            let openAI = try await proxy.send(.get, "/v1/models", headers: big)
            #expect(openAI.status.code == 431)
            #expect(try (openAI.json["error"] as? [String: Any])?["message"] is String)
            var many = HTTPFields()
            for index in 0..<150 { many.append(HTTPField(name: HTTPField.Name("X-Field-\(index)")!, value: "v")) }
            let tooMany = try await proxy.send(.get, "/api/tags", headers: many)
            #expect(tooMany.status.code == 431)
            let huge = try await RawConnection.exchange(
                port: proxy.port, "GET /api/tags HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: \(String(repeating: "a", count: 100 * 1024))\r\n\r\n")
            #expect(huge.hasPrefix("HTTP/1.1 400"))
            try await Self.expectAlive(proxy)
        }
    }

    @Test(arguments: [
        "POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        "POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n{}",
        "POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n{}",
        "POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}",
        "POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
        "GET /api/tags HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n",
        "\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{fc}\u{03}\u{03}",  // a TLS ClientHello on the plain port
    ])
    func brokenFramingIsRefusedAndTheServerGoesOn(_ request: String) async throws {
        try await withProxy { proxy in
            let answer = try await RawConnection.exchange(port: proxy.port, request)
            #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 400"), "\(answer.prefix(80))")
            #expect(proxy.log.chats.isEmpty)
            try await Self.expectAlive(proxy)
        }
    }

    @Test func aConnectionHeldWithoutSendingIsClosedButAStreamIsNotCut() async throws {
        try await withProxy(
            upstream: FakeUpstream(chat: .slow(chunks: 4, delay: .milliseconds(600))), configure: { $0.idleTimeout = .seconds(1) }
        ) { proxy in
            let started = ContinuousClock.now
            let stalled = try await RawConnection.exchange(port: proxy.port, "GET /api/tags HTTP/1.1\r\nHost: 127.0.0.1\r\n", timeout: .seconds(10))
            #expect(stalled.isEmpty)
            #expect(started.duration(to: .now) < .seconds(5), "closed after about the idle timeout")
            // Chunks 600 ms apart, 2.4 s in all: longer than the idle timeout, and not cut.
            let stream = try await proxy.send(.post, "/api/chat", json: #"{"model":"tiny","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(try stream.lines.last?["done"] as? Bool == true)
        }
    }

    @Test(arguments: [
        "/v1/models/../../x", "/v1/models/%2e%2e/%2e%2e/x", "/v1/models/.%2E/admin", "/v1/models/%252e%252e/x", "/v1/models/..%2fadmin",
    ])
    func dotSegmentsNeverReachTheUpstream(_ path: String) async throws {
        let upstream = ScriptedUpstream()
        try await withProxy(upstream: upstream) { proxy in
            let answer = try await RawConnection.exchange(port: proxy.port, "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 400") || answer.hasPrefix("HTTP/1.1 404"), "\(answer.prefix(80))")
            #expect(upstream.log.entries.allSatisfy { $0.path == "/v1/models" }, "\(upstream.log.entries.map(\.path))")
            try await Self.expectAlive(proxy)
        }
    }

    @Test func credentialsInTheUpstreamURLAreSentAsBasicAuthAndNeverShown() async throws {
        let logs = CapturedLogs()
        let upstream = ScriptedUpstream()
        try await withProxy(
            upstream: upstream,
            configure: { configuration in
                configuration.upstream = try UpstreamURL(
                    configuration.upstream.root.replacingOccurrences(of: "http://", with: "http://alice:s3cret@") + "/v1")
            }, logs: logs
        ) { proxy in
            let models = try await proxy.send(.get, "/v1/models")
            #expect(models.status == .ok)
            let sent = upstream.log.entries.first?.headers[.authorization]
            #expect(sent == "Basic " + Data("alice:s3cret".utf8).base64EncodedString())
        }
        // The same credentials on an upstream that is down: the 502 and the log name the host only.
        let downLogs = CapturedLogs()
        try await withProxy(configure: { $0.upstream = try UpstreamURL("http://alice:s3cret@127.0.0.1:1/v1") }, logs: downLogs) { proxy in
            for path in ["/api/tags", "/v1/models"] {
                let reply = try await proxy.send(.get, path)
                #expect(reply.status == .badGateway)
                #expect(!reply.text.contains("s3cret") && !reply.text.contains("alice"))
                #expect(reply.text.contains("127.0.0.1:1"))
            }
        }
        for entry in logs.all + downLogs.all {
            #expect(!"\(entry.message) \(entry.metadata)".contains("s3cret"))
        }
    }
}

@Suite struct BrokenUpstreamTests {
    static func sse(_ events: String...) -> [UInt8] { Array(events.map { "data: \($0)\n\n" }.joined().utf8) }

    static func chat(_ proxy: Proxy, stream: Bool = true) async throws -> TestResponse {
        try await proxy.send(.post, "/api/chat", json: #"{"model":"tiny","stream":\#(stream),"messages":[{"role":"user","content":"hi"}]}"#)
    }

    @Test func negativeUsageNeitherTrapsTheMetricsNorReachesTheClient() async throws {
        var upstream = ScriptedUpstream()
        upstream.chat.body = Self.sse(
            #"{"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":-5,"completion_tokens":-9223372036854775808}}"#,
            "[DONE]")
        try await withProxy(upstream: upstream) { proxy in
            let lines = try await Self.chat(proxy).lines
            #expect(lines.last?["done"] as? Bool == true)
            #expect(lines.last?["prompt_eval_count"] == nil)
            let metrics = try await proxy.send(.get, "/metrics")
            #expect(metrics.status == .ok)
            try await HostileClientTests.expectAlive(proxy)
        }
        var whole = ScriptedUpstream()
        whole.chat = .init(
            contentType: "application/json",
            body: Array(
                #"{"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":-5,"completion_tokens":-1}}"#
                    .utf8))
        try await withProxy(upstream: whole) { proxy in
            let reply = try await Self.chat(proxy, stream: false)
            #expect(reply.status == .ok)
            #expect(try reply.json["prompt_eval_count"] == nil)
            let openAI = try await proxy.send(.post, "/v1/chat/completions", json: #"{"model":"tiny","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(openAI.status == .ok)
            let metrics = try await proxy.send(.get, "/metrics")
            #expect(metrics.status == .ok)
        }
    }

    @Test(arguments: [
        // non-finite timings
        sse(
            #"{"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}],"timings":{"prompt_ms":1e999,"predicted_ms":1e999}}"#, "[DONE]"
        ),
        // a huge tool-call index, then a call without one
        sse(
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":9223372036854775807,"id":"a","function":{"name":"f","arguments":"{}"}}]}}]}"#,
            #"{"choices":[{"index":0,"delta":{"tool_calls":[{"id":"b","function":{"name":"g","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}"#,
            "[DONE]"),
        // a chunk nested 100,000 deep
        Array("data: {\"choices\":".utf8) + Array(HostileClientTests.nested(100_000).utf8) + Array("}\n\n".utf8),
        // garbage
        [0x64, 0x61, 0x74, 0x61, 0x3A, 0x20, 0xFF, 0xFE, 0x00, 0x7B, 0x0A, 0x0A],
        // a 4 MB event that never ends
        Array("data: ".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 4_000_000),
    ])
    func brokenStreamsEndWithAnErrorLine(_ body: [UInt8]) async throws {
        var upstream = ScriptedUpstream()
        upstream.chat.body = body
        try await withProxy(upstream: upstream) { proxy in
            let reply = try await Self.chat(proxy)
            #expect(reply.status == .ok)
            let lines = try reply.lines
            #expect(lines.last?["error"] is String || lines.last?["done"] as? Bool == true, "\(reply.text.prefix(300))")
            #expect(lines.count <= 3)
            try await HostileClientTests.expectAlive(proxy)
        }
    }

    @Test(arguments: [Int64(1_700_000_000_000), 1_000_000_000_000_000, -5, Int64.max])
    func modelDatesInAnyUnitListFine(_ created: Int64) async throws {
        var upstream = ScriptedUpstream()
        upstream.models = Array(#"{"object":"list","data":[{"id":"tiny","object":"model","created":\#(created),"owned_by":"x"}]}"#.utf8)
        try await withProxy(upstream: upstream) { proxy in
            let tags = try await proxy.send(.get, "/api/tags")
            #expect(tags.status == .ok)
            let modified = try #require((tags.json["models"] as? [[String: Any]])?.first?["modified_at"] as? String)
            #expect(Int(modified.prefix(4)).map { (1970...2262).contains($0) } == true, "\(modified)")
        }
    }

    @Test func aPassThroughBodyBrokenOffMidwayIsNoCleanEnd() async throws {
        var upstream = ScriptedUpstream()
        upstream.chat = .init(contentType: "application/octet-stream", body: Array(#"{"choices":[{"index":0,"message":{"con"#.utf8), breakOff: true)
        try await withProxy(upstream: upstream) { proxy in
            await #expect(throws: (any Error).self) {
                try await proxy.send(.post, "/v1/chat/completions", json: #"{"model":"tiny","messages":[{"role":"user","content":"hi"}]}"#)
            }
            try await HostileClientTests.expectAlive(proxy)
        }
    }

    @Test func aPassThroughStreamBrokenOffMidwayEndsWithAnErrorEvent() async throws {
        var upstream = ScriptedUpstream()
        upstream.chat = .init(body: Self.sse(#"{"choices":[{"index":0,"delta":{"content":"hi"}}]}"#), breakOff: true)
        try await withProxy(upstream: upstream) { proxy in
            let reply = try await proxy.send(.post, "/v1/chat/completions", json: #"{"model":"tiny","stream":true,"messages":[]}"#)
            #expect(reply.text.hasSuffix("\n\n"))
            #expect(reply.text.contains(#"data: {"error":{"#))
        }
    }

    @Test func aTransientErrorDuringTheDialectProbeIsAskedAgain() async throws {
        var scripted = ScriptedUpstream()
        scripted.versionStatuses = [503, 200]
        let upstream = scripted
        try await withProxy(upstream: upstream, configure: { $0.upstreamDialect = .auto }) { proxy in
            _ = try await proxy.send(.get, "/api/tags")  // the probe met a 503: OpenAI for now
            _ = try await proxy.send(.get, "/api/tags")  // asked again: an Ollama server
            #expect(upstream.log.entries.filter { $0.path == "/api/version" }.count == 2)
            #expect(upstream.log.entries.last?.path == "/api/tags", "forwarded to the Ollama upstream as it is")
        }
    }
}

@Suite struct InformationTests {
    struct Secret: Error, CustomStringConvertible {
        var description: String { "password=hunter2 at /srv/switchyard" }
    }

    @Test func internalErrorsSayNothingInternal() async throws {
        let router = Router()
        router.add(middleware: DialectErrorMiddleware())
        router.get("/api/boom") { _, _ -> Response in throw Secret() }
        router.get("/v1/boom") { _, _ -> Response in throw Secret() }
        try await Application(router: router).test(.router) { client in
            for path in ["/api/boom", "/v1/boom"] {
                let reply = try await client.execute(uri: path, method: .get)
                #expect(reply.status == .internalServerError)
                #expect(!String(buffer: reply.body).contains("hunter2"))
                #expect(String(buffer: reply.body).contains("internal error"))
            }
        }
    }

    @Test func textLogLinesCannotBeForged() {
        let lines = LinesCollector()
        let handler = LineLogHandler(label: "t", level: .info, format: .text, output: { lines.add($0) })
        var logger = Logger(label: "t") { _ in handler }
        logger.logLevel = .info
        logger.info("request failed", metadata: ["model": "x\n2026-12-01T00:00:00Z error switchyard : forged", "path": "/a\r\u{1b}[31mred\u{85}"])
        let text = lines.text
        #expect(text.filter { $0 == "\n" }.count == 1, "one event, one line")
        #expect(text.contains(#"x\n2026"#))
        #expect(text.contains(#"\r\u{1b}[31mred\u{85}"#))
    }
}

final class LinesCollector: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    func add(_ line: [UInt8]) { bytes.withLock { $0 += line } }
    var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }
}

/// The OpenAI surface translated for an Ollama upstream reads every numeric field itself.
@Suite struct HostileOpenAIOverOllamaTests {
    @Test(arguments: [
        #""max_tokens":1e30"#, #""max_tokens":-9223372036854775808"#, #""temperature":1e999"#, #""n":9223372036854775807"#,
        #""seed":-1e40"#, #""top_logprobs":99999999999"#, #""frequency_penalty":-1e308"#, #""max_completion_tokens":1.5"#,
    ])
    func extremeNumbersAreRefusedOrCarried(_ field: String) async throws {
        try await withProxy(upstream: FakeOllamaUpstream(), configure: { $0.upstreamDialect = .ollama }) { proxy in
            for path in ["/v1/chat/completions", "/v1/completions"] {
                let body =
                    path == "/v1/completions" ? #"{"model":"tiny","prompt":"hi","# : #"{"model":"tiny","messages":[{"role":"user","content":"hi"}],"#
                let reply = try await proxy.send(.post, path, json: body + field + "}")
                #expect([200, 400].contains(Int(reply.status.code)), "\(path) \(field): \(reply.status) \(reply.text.prefix(200))")
            }
            let embeddings = try await proxy.send(.post, "/v1/embeddings", json: #"{"model":"tiny","input":"hi","dimensions":1e30}"#)
            #expect([200, 400].contains(Int(embeddings.status.code)))
            try await HostileClientTests.expectAlive(proxy)
        }
    }
}
