import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import SwitchyardServer
import Testing

/// An Ollama upstream, played by a second Switchyard whose Ollama surface is in front of the
/// fake llama-server: the outer one must forward the Ollama surface as it is.
@Suite struct UpstreamDialectTests {
    func withOuterProxy(
        dialect: UpstreamDialectSetting, _ test: @Sendable (_ outer: any TestClientProtocol, _ inner: Proxy) async throws -> Void
    ) async throws {
        try await withProxy { inner in
            let configuration = SwitchyardConfiguration(
                listen: .init(host: "127.0.0.1", port: 0), upstream: try UpstreamURL(inner.url), upstreamDialect: dialect)
            var logger = Logger(label: "outer")
            logger.logLevel = .critical
            try await buildApplication(configuration: configuration, logger: logger).test(.ahc(.http)) { outer in
                try await test(outer, inner)
            }
        }
    }

    @Test(arguments: [UpstreamDialectSetting.ollama, .auto])
    func anOllamaUpstreamGetsTheOllamaSurfaceAsItIs(dialect: UpstreamDialectSetting) async throws {
        try await withOuterProxy(dialect: dialect) { outer, inner in
            let body = #"{"model":"tiny","stream":false,"options":{"num_ctx":4096},"messages":[{"role":"user","content":"hi"}]}"#
            let reply = try await outer.execute(
                uri: "/api/chat", method: .post, headers: [.contentType: "application/json"], body: .init(string: body))
            #expect(reply.status == .ok)
            // The inner Switchyard translated it (and said so); the outer only forwarded.
            #expect(reply.headers[HTTPField.Name("X-Switchyard-Untranslated")!] == "options.num_ctx")
            #expect(try reply.json["done"] as? Bool == true)
            let stream = try await outer.execute(
                uri: "/api/generate", method: .post, body: .init(string: #"{"model":"tiny:latest","prompt":"hi"}"#))
            #expect(try stream.lines.last?["done"] as? Bool == true)
            #expect(stream.headers[.contentType] == "application/x-ndjson")
            // Model management reaches the Ollama upstream instead of being refused locally.
            let pull = try await outer.execute(uri: "/api/pull", method: .post, body: .init(string: #"{"model":"x"}"#))
            #expect(try (pull.json["error"] as? String)?.contains("http://127.0.0.1:\(inner.port)") == false)
            #expect(inner.log.chats.count == 2)
        }
    }

    @Test func autoTellsAnOpenAIUpstreamFromAnOllamaOne() async throws {
        try await withProxy(configure: { $0.upstreamDialect = .auto }) { proxy in
            // The fake llama-server answers /api/version with 404, like the real one.
            let tags = try await proxy.send(.get, "/api/tags").json
            #expect((tags["models"] as? [[String: Any]])?.first?["name"] as? String == "tiny:latest")
            #expect(proxy.log.entries.contains { $0.path == "/v1/models" })
        }
    }
}
