import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SwitchyardServer
import Synchronization
import Testing

@Suite struct RequestLogTests {
    @Test func oneLinePerRequestWithWhatHappened() async throws {
        let logs = CapturedLogs()
        try await withProxy(logs: logs) { proxy in
            let response = try await proxy.send(
                .post, "/api/chat", json: #"{"model":"tiny:latest","messages":[{"role":"user","content":"PROMPT-SECRET-42"}]}"#)
            let id = try #require(response.headers[HTTPField.Name("X-Request-Id")!])
            try await waitUntil { logs.requests.count == 1 }
            let line = try #require(logs.requests.first?.metadata)
            #expect(line["request_id"] == id)
            #expect(line["method"] == "POST")
            #expect(line["path"] == "/api/chat")
            #expect(line["status"] == "200")
            #expect(line["model"] == "tiny:latest")
            #expect(line["translation"] == "ollama→openai")
            #expect(Int(line["bytes"] ?? "") == response.body.readableBytes)
            for key in ["upstream_ms", "ttfb_ms", "total_ms"] {
                #expect(Double(line[key] ?? "") != nil, "\(key)")
            }
        }
        let everything = logs.all.map { "\($0.message) \($0.metadata)" }.joined()
        #expect(!everything.contains("PROMPT-SECRET-42"), "no prompt text at the default level")
    }

    @Test func aClientsRequestIDIsKeptAndSecretsAreNotLogged() async throws {
        let logs = CapturedLogs()
        try await withProxy(configure: { $0.auth.bearerTokens = ["TOKEN-SECRET-7"] }, logs: logs) { proxy in
            let headers: HTTPFields = [HTTPField.Name("X-Request-Id")!: "gateway-trace-1", .authorization: "Bearer TOKEN-SECRET-7"]
            let response = try await proxy.send(.post, "/v1/chat/completions", json: #"{"model":"tiny","messages":[]}"#, headers: headers)
            #expect(response.headers[HTTPField.Name("X-Request-Id")!] == "gateway-trace-1")
            try await proxy.send(.get, "/api/tags", headers: [.authorization: "Bearer wrong-TOKEN"])
            try await waitUntil { logs.requests.count == 2 }
            #expect(logs.requests.first?.metadata["request_id"] == "gateway-trace-1")
            #expect(logs.requests.first?.metadata["translation"] == "pass-through")
            #expect(logs.requests.last?.metadata["status"] == "401")
        }
        let everything = logs.all.map { "\($0.message) \($0.metadata)" }.joined()
        #expect(!everything.contains("TOKEN-SECRET-7"))
        #expect(!everything.contains("wrong-TOKEN"))
    }

    @Test func jsonLinesCarryEveryField() throws {
        let captured = LinesBox()
        var logger = Logger(label: "switchyard") { label in LineLogHandler(label: label, level: .info, format: .json, output: captured.append) }
        logger[metadataKey: "request_id"] = "abc"
        logger.info("request", metadata: ["status": "200", "path": "/api/chat"])
        logger.debug("hidden at info level")
        let lines = captured.lines
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
        #expect(object["message"] as? String == "request")
        #expect(object["level"] as? String == "info")
        #expect(object["request_id"] as? String == "abc")
        #expect(object["status"] as? String == "200")
        #expect((object["time"] as? String)?.hasSuffix("Z") == true)
        #expect(lines.first?.last == UInt8(ascii: "\n"))
    }

    @Test func textLinesCarryMetadataSetBeforeAndAtTheCall() throws {
        let captured = LinesBox()
        var logger = Logger(label: "switchyard") { label in LineLogHandler(label: label, level: .info, format: .text, output: captured.append) }
        logger[metadataKey: "request_id"] = "abc"
        logger[metadataKey: "request_id"] = "def"
        logger.info("request", metadata: ["status": "200"])
        logger.debug("hidden at info level")
        let lines = captured.lines.map { String(decoding: $0, as: UTF8.self) }
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(line.hasSuffix(" info switchyard : request_id=def status=200 [SwitchyardServerTests] request\n"))
        #expect(line.first?.isNumber == true)
    }
}

final class LinesBox: Sendable {
    private let storage = Mutex<[[UInt8]]>([])
    @Sendable func append(_ line: [UInt8]) { storage.withLock { $0.append(line) } }
    var lines: [[UInt8]] { storage.withLock { $0 } }
}

@Suite struct MetricsTests {
    @Test func requestsTokensAndLatencyAreCounted() async throws {
        try await withProxy { proxy in
            try await proxy.send(.post, "/api/chat", json: #"{"model":"tiny","stream":false,"messages":[{"role":"user","content":"hi"}]}"#)
            try await proxy.send(.post, "/api/chat", json: #"{"model":"tiny","messages":[{"role":"user","content":"hi"}]}"#)
            try await proxy.send(.post, "/api/chat", json: #"{"model":"nope","messages":[]}"#)
            let text = try await waitForMetrics(proxy, containing: #"switchyard_requests_total{route="/api/chat",status="404""#)
            #expect(text.contains(#"switchyard_requests_total{route="/api/chat",status="200",model="tiny"} 2"#))
            #expect(text.contains(#"switchyard_tokens_total{direction="out",model="tiny"} 12"#), "six tokens per reply, streamed or not")
            #expect(text.contains(#"switchyard_tokens_total{direction="in",model="tiny"} 130"#))
            #expect(text.contains(#"switchyard_time_to_first_byte_seconds_count{route="/api/chat"} 3"#))
            #expect(text.contains(#"switchyard_request_duration_seconds_bucket{route="/api/chat",le="+Inf"} 3"#))
            #expect(text.contains("switchyard_streams_in_flight 0"))
        }
    }

    @Test func upstreamErrorsByKind() async throws {
        let closed = try ClosedPort()
        try await withProxy(configure: { $0.upstream = try UpstreamURL("http://127.0.0.1:\(closed.port)") }) { proxy in
            try await proxy.send(.post, "/v1/chat/completions", json: #"{"model":"tiny","messages":[]}"#)
            let text = try await waitForMetrics(proxy, containing: "switchyard_upstream_errors_total")
            #expect(text.contains(#"switchyard_upstream_errors_total{kind="unreachable"} 1"#))
        }
        try await withProxy(upstream: FakeUpstream(chat: .dropAfter(events: 3))) { proxy in
            try await proxy.send(.post, "/api/chat", json: #"{"model":"tiny","messages":[{"role":"user","content":"hi"}]}"#)
            let text = try await waitForMetrics(proxy, containing: "switchyard_upstream_errors_total")
            #expect(text.contains(#"switchyard_upstream_errors_total{kind="mid_stream"} 1"#))
        }
        withExtendedLifetime(closed) {}
    }

    @Test func streamsInFlightWhileTheyRun() async throws {
        try await withProxy(upstream: FakeUpstream(chat: .slow(chunks: 3, delay: .milliseconds(400)))) { proxy in
            async let stream = proxy.send(.post, "/api/chat", json: #"{"model":"tiny","messages":[{"role":"user","content":"hi"}]}"#)
            _ = try await waitForMetrics(proxy, containing: "switchyard_streams_in_flight 1")
            _ = try await stream
            _ = try await waitForMetrics(proxy, containing: "switchyard_streams_in_flight 0")
        }
    }

    @Test func aSeparateMetricsListener() async throws {
        let port = try freePort()
        try await withProxy(configure: { $0.metricsListen = ListenAddress(host: "127.0.0.1", port: port) }) { proxy in
            let onMain = try await proxy.send(.get, "/metrics")
            #expect(onMain.status == .notFound)
            var scraped = ""
            let counted = #"switchyard_requests_total{route="/api/version""#
            for _ in 0..<100 where !scraped.contains(counted) {
                try await proxy.send(.get, "/api/version")
                if let response = try? await HTTPClient.shared.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(5))
                {
                    scraped = String(buffer: try await response.body.collect(upTo: 1 << 20))
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(scraped.contains(counted))
        }
    }
}

/// Polls `/metrics` until it shows `needle` (the log line and counters are written when a
/// response has fully gone out, which can be just after the client has read it).
func waitForMetrics(_ proxy: Proxy, containing needle: String) async throws -> String {
    var text = ""
    for _ in 0..<100 {
        text = try await proxy.send(.get, "/metrics").text
        if text.contains(needle) { return text }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("metrics never showed \(needle):\n\(text)")
    return text
}
