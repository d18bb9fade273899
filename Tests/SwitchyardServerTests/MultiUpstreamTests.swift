import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SwitchyardFixtures
import Testing

@testable import SwitchyardServer

/// Several upstreams behind one port: merged lists, routing by model, `upstream/model` names.
@Suite struct MultiUpstreamTests {
    struct Fake {
        var name: String
        var server: any FakeServer
        var dialect: UpstreamDialectSetting
    }

    /// Starts every fake, then a Switchyard configured with them in order (plus `extra` specs).
    static func withProxy(
        _ fakes: [Fake], extra: [UpstreamSpec] = [], overrides: [String: ModelOverride] = [:], _ test: @Sendable (Proxy) async throws -> Void
    ) async throws {
        try await start(fakes.map(\.server), ports: []) { ports in
            var configuration = SwitchyardConfiguration(listen: .init(host: "127.0.0.1", port: 0))
            configuration.configuredUpstreams =
                try zip(fakes, ports).map { fake, port in
                    UpstreamSpec(name: fake.name, url: try UpstreamURL("http://127.0.0.1:\(port)"), dialect: fake.dialect)
                } + extra
            configuration.modelOverrides = overrides
            var logger = Logger(label: "switchyard-test")
            logger.logLevel = .critical
            let app = try buildApplication(configuration: configuration, logger: logger)
            try await app.test(.ahc(.http)) { client in try await test(Proxy(client: client, log: UpstreamLog())) }
        }
    }

    static func start(_ servers: [any FakeServer], ports: [Int], _ body: @Sendable ([Int]) async throws -> Void) async throws {
        guard let first = servers.first else { return try await body(ports) }
        let app = Application(router: first.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await start(Array(servers.dropFirst()), ports: ports + [client.port!], body) }
    }

    static func coder() -> ScriptedUpstream {
        var coder = ScriptedUpstream()
        coder.models = Array(#"{"object":"list","data":[{"id":"coder","object":"model","created":1700000000,"owned_by":"llamacpp"}]}"#.utf8)
        return coder
    }

    static let chat = #"{"model":"%@","stream":false,"messages":[{"role":"user","content":"hi"}]}"#

    @Test func theListsMergeEveryUpstreamAndRenameTheSecondCopyOfAName() async throws {
        let fakes = [
            Fake(name: "local", server: FakeUpstream(), dialect: .openAI), Fake(name: "coder", server: Self.coder(), dialect: .openAI),
            Fake(name: "lab", server: FakeOllamaUpstream(), dialect: .ollama),
        ]
        try await Self.withProxy(fakes) { proxy in
            let tags = try await proxy.send(.get, "/api/tags")
            let names = try (tags.json["models"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(names == ["tiny:latest", "coder:latest", "lab/tiny:latest"])
            let models = try await proxy.send(.get, "/v1/models")
            let ids = try (models.json["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(ids == ["tiny", "coder", "lab/tiny:latest"])
            let one = try await proxy.send(.get, "/v1/models/lab%2Ftiny:latest")
            #expect(try one.json["id"] as? String == "lab/tiny:latest")
        }
    }

    @Test func eachModelGoesToTheUpstreamThatServesIt() async throws {
        let local = FakeUpstream()
        let coder = Self.coder()
        let lab = FakeOllamaUpstream()
        let fakes = [
            Fake(name: "local", server: local, dialect: .openAI), Fake(name: "coder", server: coder, dialect: .openAI),
            Fake(name: "lab", server: lab, dialect: .ollama),
        ]
        try await Self.withProxy(fakes) { proxy in
            let body = #"{"model":"coder","messages":[{"role":"user","content":"hi"}],  "stream":true}"#
            #expect(try await proxy.send(.post, "/v1/chat/completions", json: body).status == .ok)
            let sent = try #require(coder.log.entries.last { $0.path == "/v1/chat/completions" })
            #expect(sent.body == Array(body.utf8), "passed through byte for byte")
            #expect(local.log.chats.isEmpty)

            // The OpenAI surface over the Ollama upstream: translated to /api/chat, under the
            // model's own name there.
            let reply = try await proxy.send(.post, "/v1/chat/completions", json: String(format: Self.chat, "lab/tiny"))
            #expect(reply.status == .ok)
            #expect(try reply.json["object"] as? String == "chat.completion")
            #expect(lab.log.entries.last?.json?["model"] as? String == "tiny:latest")

            // The Ollama surface over the Ollama upstream: passed through, only the name replaced.
            let native = #"{"model":"lab/tiny" , "stream":false,"messages":[{"role":"user","content":"hi"}]}"#
            #expect(try await proxy.send(.post, "/api/chat", json: native).status == .ok)
            let forwarded = String(decoding: try #require(lab.log.entries.last).body, as: UTF8.self)
            #expect(forwarded == #"{"model":"tiny:latest" , "stream":false,"messages":[{"role":"user","content":"hi"}]}"#)

            // A plain name goes to the first upstream that has it.
            #expect(try await proxy.send(.post, "/api/chat", json: String(format: Self.chat, "tiny")).status == .ok)
            #expect(local.log.chats.count == 1)

            // Metrics say which upstream served each request; every series has the label.
            let metrics = try await waitForMetrics(proxy, containing: #"upstream="lab""#)
            #expect(metrics.contains(#"switchyard_requests_total{route="/v1/chat/completions",status="200",model="coder",upstream="coder"} 1"#))
            #expect(metrics.contains(#"switchyard_requests_total{route="/api/chat",status="200",model="tiny",upstream="local"} 1"#))
        }
    }

    @Test func aModelServedTwiceFailsOverBeforeTheFirstByte() async throws {
        let failing = FakeUpstream(chat: .status(503, fixture: "llama-server/error-context-overflow.json"))
        let healthy = FakeUpstream()
        let fakes = [Fake(name: "first", server: failing, dialect: .openAI), Fake(name: "second", server: healthy, dialect: .openAI)]
        try await Self.withProxy(fakes) { proxy in
            for path in ["/v1/chat/completions", "/api/chat"] {
                let reply = try await proxy.send(.post, path, json: String(format: Self.chat, "tiny"))
                #expect(reply.status == .ok, "\(path): answered by the second upstream")
            }
            #expect(failing.log.chats.count == 1, "tried once, then left in its back-off")
            #expect(healthy.log.chats.count == 2)
            // `first/tiny` names one upstream: no failover, its error reaches the client.
            let pinned = try await proxy.send(.post, "/v1/chat/completions", json: String(format: Self.chat, "first/tiny"))
            #expect(pinned.status.code == 503)
        }
    }

    @Test func pullGoesToAnOllamaUpstreamWithItsProgressStreamed() async throws {
        let lab = FakeOllamaUpstream()
        let fakes = [Fake(name: "local", server: FakeUpstream(), dialect: .openAI), Fake(name: "lab", server: lab, dialect: .ollama)]
        try await Self.withProxy(fakes) { proxy in
            let pulled = try await proxy.send(.post, "/api/pull", json: #"{"model":"lab/llama3.2"}"#)
            #expect(pulled.status == .ok)
            #expect(try pulled.lines.last?["status"] as? String == "success")
            #expect(pulled.headers[.contentType] == "application/x-ndjson")
            #expect(lab.log.entries.last.map { String(decoding: $0.body, as: UTF8.self) } == #"{"model":"llama3.2"}"#)
            _ = try await proxy.send(.post, "/api/pull", json: #"{"name":"qwen3"}"#)
            #expect(lab.log.entries.last.map { String(decoding: $0.body, as: UTF8.self) } == #"{"name":"qwen3"}"#, "the first Ollama upstream")
        }
        try await Self.withProxy([Fake(name: "a", server: FakeUpstream(), dialect: .openAI), Fake(name: "b", server: Self.coder(), dialect: .openAI)])
        {
            proxy in
            let refused = try await proxy.send(.post, "/api/pull", json: #"{"model":"x"}"#)
            #expect(refused.status == .notImplemented, "no Ollama upstream")
        }
    }

    @Test func aConfiguredFallbackServesWhenTheModelsUpstreamFailsOrIsDown() async throws {
        let failing = FakeUpstream(chat: .status(503, fixture: "llama-server/error-context-overflow.json"))
        let coder = Self.coder()
        let closed = try ClosedPort()
        let dead = UpstreamSpec(name: "dead", url: try UpstreamURL("http://127.0.0.1:\(closed.port)"), dialect: .openAI)
        let fakes = [Fake(name: "first", server: failing, dialect: .openAI), Fake(name: "second", server: coder, dialect: .openAI)]
        let overrides = ["tiny:latest": ModelOverride(fallback: ["second/coder"]), "big:latest": ModelOverride(fallback: ["dead/big", "coder"])]
        try await Self.withProxy(fakes, extra: [dead], overrides: overrides) { proxy in
            let streamed = #"{"model":"%@","stream":true,"messages":[{"role":"user","content":"hi"}]}"#
            let reply = try await proxy.send(.post, "/api/chat", json: String(format: streamed, "tiny"))
            #expect(reply.status == .ok, "answered by the fallback")
            #expect(failing.log.chats.count == 1)
            let sent = try #require(coder.log.entries.last { $0.path == "/v1/chat/completions" })
            #expect(sent.json?["model"] as? String == "coder", "the body names the fallback's model")
            // `big` is on an upstream that is down, so nothing lists it; its fallback serves it.
            let down = try await proxy.send(.post, "/v1/chat/completions", json: String(format: streamed, "big"))
            #expect(down.status == .ok)
            #expect(coder.log.entries.filter { $0.path == "/v1/chat/completions" }.count == 2)
            let missing = try await proxy.send(.post, "/api/chat", json: String(format: Self.chat, "nothing"))
            #expect(missing.status == .notFound)
        }
        withExtendedLifetime(closed) {}
    }

    @Test func anUnreachableUpstreamIsLeftOutAndAnUnknownModelIs404() async throws {
        let closed = try ClosedPort()
        let dead = UpstreamSpec(name: "dead", url: try UpstreamURL("http://127.0.0.1:\(closed.port)"), dialect: .openAI)
        try await Self.withProxy([Fake(name: "local", server: FakeUpstream(), dialect: .openAI)], extra: [dead]) { proxy in
            let tags = try await proxy.send(.get, "/api/tags")
            #expect(tags.status == .ok)
            #expect(try (tags.json["models"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } == ["tiny:latest"])
            let missing = try await proxy.send(.post, "/api/chat", json: String(format: Self.chat, "nothing"))
            #expect(missing.status == .notFound)
            #expect(try missing.json["error"] as? String != nil)
            let openAI = try await proxy.send(.post, "/v1/chat/completions", json: String(format: Self.chat, "dead/x"))
            #expect(openAI.status == .notFound)
            #expect(try (openAI.json["error"] as? [String: Any])?["message"] != nil)
        }
        withExtendedLifetime(closed) {}
    }
}
