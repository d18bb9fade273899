import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SwitchyardCore
import Synchronization
import Testing

@testable import SwitchyardServer

/// A reload (SIGHUP) puts a new set of upstreams in place without cutting what is in flight,
/// and a file that does not read changes nothing.
@Suite struct ReloadTests {
    @Test func aReloadSwapsUpstreamsWithoutCuttingAStreamInFlight() async throws {
        let local = FakeUpstream(chat: .slow(chunks: 20, delay: .milliseconds(25)))
        let coder = MultiUpstreamTests.coder()
        try await MultiUpstreamTests.start([local, coder], ports: []) { ports in
            @Sendable func configuration(_ names: [String]) throws -> SwitchyardConfiguration {
                var configuration = SwitchyardConfiguration(listen: .init(host: "127.0.0.1", port: 0))
                configuration.configuredUpstreams = try zip(["local", "coder"], ports).filter { names.contains($0.0) }.map { name, port in
                    UpstreamSpec(name: name, url: try UpstreamURL("http://127.0.0.1:\(port)"), dialect: .openAI)
                }
                return configuration
            }
            let initial = try configuration(["local"])
            let next = Mutex<Result<SwitchyardConfiguration, ConfigurationError>>(.success(initial))
            let reload: @Sendable () throws(ConfigurationError) -> SwitchyardConfiguration = { () throws(ConfigurationError) in
                let current = next.withLock { $0 }
                return try current.get()
            }
            var logger = Logger(label: "switchyard-test")
            logger.logLevel = .critical
            let registry = try makeRegistry(initial, logger: logger)
            let service = UpstreamsService(registry: registry, configuration: initial, reload: reload, logger: logger)
            let app = buildApplication(configuration: initial, registry: registry, metrics: SwitchyardMetrics(), logger: logger, reload: reload)
            try await app.test(.ahc(.http)) { client in
                let proxy = Proxy(client: client, log: UpstreamLog())
                let kept = registry.upstreams[0]
                #expect(await service.reloadNow(), "the same file again")
                #expect(registry.upstreams[0] === kept, "an unchanged upstream is kept with its pool and list")

                let body = #"{"model":"tiny","stream":true,"messages":[{"role":"user","content":"hi"}]}"#
                async let stream = proxy.send(.post, "/v1/chat/completions", json: body)
                while local.log.chats.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
                let swapped = try configuration(["coder"])
                next.withLock { $0 = .success(swapped) }
                #expect(await service.reloadNow())

                let ids = (try await proxy.send(.get, "/v1/models").json["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                #expect(ids == ["coder"])
                _ = try await proxy.send(.post, "/v1/chat/completions", json: body)
                #expect(coder.log.entries.contains { $0.path == "/v1/chat/completions" }, "new requests go to the new upstream")
                #expect(local.log.chats.count == 1)
                let streamed = try await stream
                #expect(streamed.status == .ok)
                #expect(streamed.text.components(separatedBy: "data: {").count - 1 >= 20, "every chunk arrived")
                #expect(streamed.text.hasSuffix("data: [DONE]\n\n"), "the stream in flight finished whole")

                next.withLock {
                    $0 = .failure(ConfigurationError("switchyard.yaml line 3: upstreams[0].dialect: 'grpc': expected openai, ollama or auto"))
                }
                #expect(await service.reloadNow() == false)
                #expect(registry.upstreams.map(\.name) == ["coder"], "a bad file changes nothing")
                #expect(registry.clients.count == 2, "the retired client is kept for the shutdown")
            }
        }
    }

    @Test func aStartedUpstreamTheReloadDropsIsStoppedOnceIdle() async throws {
        let scratch = try ProcessTests.Scratch()
        var initial = SwitchyardConfiguration(listen: .init(host: "127.0.0.1", port: 0))
        initial.configuredUpstreams = [
            ProcessTests.spec("kept", model: "kept", in: scratch), ProcessTests.spec("dropped", model: "dropped", in: scratch),
        ]
        initial.stateDirectory = scratch.path + "/state"
        var next = initial
        next.configuredUpstreams.removeLast()
        let reloaded = next
        var logger = Logger(label: "switchyard-test")
        logger.logLevel = .critical
        let registry = try makeRegistry(initial, logger: logger)
        let service = UpstreamsService(registry: registry, configuration: initial, reload: { reloaded }, logger: logger)
        let app = buildApplication(configuration: initial, registry: registry, metrics: SwitchyardMetrics(), logger: logger, reload: nil)
        try await app.test(.ahc(.http)) { client in
            let proxy = Proxy(client: client, log: UpstreamLog())
            for model in ["kept", "dropped"] {
                #expect(try await proxy.send(.post, "/api/chat", json: ProcessTests.chat(model)).status == .ok)
            }
            let dropped = try #require(scratch.pids("dropped").first)
            let kept = try #require(scratch.pids("kept").first)
            #expect(await service.reloadNow())
            let deadline = ContinuousClock.now + .seconds(10)
            while ProcessTests.isAlive(dropped), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(!ProcessTests.isAlive(dropped))
            #expect(ProcessTests.isAlive(kept), "an unchanged upstream keeps its process")
            #expect(try await ProcessTests.running(proxy) == ["kept:latest"])
        }
    }

    @Test func aChangedFileIsReloadedOnceItHoldsStill() async throws {
        let scratch = try ProcessTests.Scratch()
        let file = scratch.path + "/switchyard.yaml"
        try "upstreams:\n  - name: a\n    url: http://127.0.0.1:1\n".write(toFile: file, atomically: true, encoding: .utf8)
        var configuration = SwitchyardConfiguration(listen: .init(host: "127.0.0.1", port: 0))
        configuration.configFile = file
        let initial = configuration
        let reloads = Mutex(0)
        var logger = Logger(label: "switchyard-test")
        logger.logLevel = .critical
        let service = UpstreamsService(
            registry: try makeRegistry(initial, logger: logger), configuration: initial,
            reload: {
                reloads.withLock { $0 += 1 }
                return initial
            }, logger: logger)
        let watcher = Task { await service.watch(file, every: .milliseconds(50)) }
        defer { watcher.cancel() }
        try await Task.sleep(for: .milliseconds(200))
        #expect(reloads.withLock { $0 } == 0, "nothing changed")
        try "upstreams:\n  - name: b\n    url: http://127.0.0.1:1\n".write(toFile: file, atomically: true, encoding: .utf8)
        try await waitUntil { reloads.withLock { $0 } == 1 }
        try await Task.sleep(for: .milliseconds(300))
        #expect(reloads.withLock { $0 } == 1, "once per change")
    }
}
