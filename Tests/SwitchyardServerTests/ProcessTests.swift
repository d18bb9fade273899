import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import SwitchyardCore
import Testing

@testable import SwitchyardServer

/// Upstreams Switchyard starts on demand, against a stand-in for llama-server
/// (`fake_model_server.py`) that can start slowly, never become ready, exit at once or die
/// mid-stream.
@Suite struct ProcessTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("fake_model_server.py").path

    /// A scratch folder for one test: the state directory (with the process logs) and pid files.
    struct Scratch {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-processes-\(UUID().uuidString)").path

        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }

        func pids(_ name: String) -> [Int32] {
            ((try? String(contentsOfFile: "\(path)/\(name).pids", encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int32($0) }
        }

        func log(_ name: String) -> String { (try? String(contentsOfFile: "\(path)/state/logs/\(name).log", encoding: .utf8)) ?? "" }
    }

    static func spec(_ name: String, model: String, _ options: [String] = [], in scratch: Scratch, startTimeout: Duration = .seconds(60))
        -> UpstreamSpec
    {
        let words = ["python3", script, "--port", "${PORT}", "--model", model, "--pidfile", "\(scratch.path)/\(name).pids"] + options
        return UpstreamSpec(
            name: name, url: UpstreamURL(loopbackPort: 0), dialect: .openAI, models: [model],
            command: ProcessCommand(words: words, startTimeout: startTimeout))
    }

    static func withProcesses(
        _ specs: [UpstreamSpec], in scratch: Scratch, maxLoaded: Int = 3, keepAlive: KeepAlive = .default, logs: CapturedLogs? = nil,
        _ test: @Sendable (Proxy) async throws -> Void
    ) async throws {
        var configuration = SwitchyardConfiguration(listen: .init(host: "127.0.0.1", port: 0))
        configuration.configuredUpstreams = specs
        configuration.processes.maxLoaded = maxLoaded
        configuration.processes.keepAlive = keepAlive
        configuration.processes.stopGrace = .seconds(2)
        // Long enough that a loaded machine cannot outlast it between two requests.
        configuration.processes.firstBackoff = .seconds(60)
        configuration.stateDirectory = scratch.path + "/state"
        var logger = logs.map { logs in Logger(label: "switchyard-test") { _ in logs } } ?? Logger(label: "switchyard-test")
        logger.logLevel = logs == nil ? .critical : .info
        let app = try buildApplication(configuration: configuration, logger: logger)
        try await app.test(.ahc(.http)) { client in try await test(Proxy(client: client, log: UpstreamLog())) }
    }

    static func isAlive(_ pid: Int32) -> Bool { kill(pid, 0) == 0 }

    static func chat(_ model: String, stream: Bool = false, keepAlive: String? = nil) -> String {
        let keep = keepAlive.map { #","keep_alive":\#($0)"# } ?? ""
        return #"{"model":"\#(model)","stream":\#(stream)\#(keep),"messages":[{"role":"user","content":"hi"}]}"#
    }

    static func running(_ proxy: Proxy) async throws -> [String] {
        (try await proxy.send(.get, "/api/ps").json["models"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    @Test func aColdModelStartsOnItsFirstRequestAndKeepAliveZeroUnloadsIt() async throws {
        let scratch = try Scratch()
        try await Self.withProcesses([Self.spec("qwen", model: "qwen", ["--ctx", "4096"], in: scratch)], in: scratch) { proxy in
            let tags = try await proxy.send(.get, "/api/tags")
            #expect(
                try (tags.json["models"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } == ["qwen:latest"], "listed before it runs")
            let models = try await proxy.send(.get, "/v1/models")
            #expect(try (models.json["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } == ["qwen"])
            #expect(try await Self.running(proxy).isEmpty)
            let show = try await proxy.send(.post, "/api/show", json: #"{"model":"qwen"}"#)
            #expect(show.status == .ok)
            #expect(scratch.pids("qwen").isEmpty, "nothing starts with Switchyard, nor to be shown")

            let reply = try await proxy.send(.post, "/api/chat", json: Self.chat("qwen"))
            #expect(reply.status == .ok)
            #expect(try (reply.json["message"] as? [String: Any])?["content"] as? String == "hi hi hi ")
            let ps = try await proxy.send(.get, "/api/ps").json["models"] as? [[String: Any]] ?? []
            #expect(ps.compactMap { $0["name"] as? String } == ["qwen:latest"])
            let expires = try #require(ps.first?["expires_at"] as? String)
            let expiry = try #require(ISO8601DateFormatter().date(from: String(expires.prefix(19)) + "Z"))
            #expect(abs(expiry.timeIntervalSinceNow - 300) < 30, "five minutes, the default keep-alive")
            #expect(ps.first?["context_length"] as? Int == 4096, "learned from the running server's /props")
            let shown = try await proxy.send(.post, "/api/show", json: #"{"model":"qwen"}"#)
            #expect(try (shown.json["capabilities"] as? [String])?.contains("tools") == true)
            let pid = try #require(scratch.pids("qwen").first)
            #expect(Self.isAlive(pid))

            let unload = try await proxy.send(.post, "/api/generate", json: #"{"model":"qwen","keep_alive":0}"#)
            #expect(try unload.json["done_reason"] as? String == "unload")
            #expect(try await Self.running(proxy).isEmpty)
            #expect(!Self.isAlive(pid), "stopped before the answer")
            #expect(scratch.pids("qwen").count == 1)
            #expect(scratch.log("qwen").contains("fake model server qwen starting"), "its output is in its log file")
            let metrics = try await proxy.send(.get, "/metrics").text
            #expect(metrics.contains(#"switchyard_model_loads_total{upstream="qwen"} 1"#))
            #expect(metrics.contains(#"switchyard_model_unloads_total{upstream="qwen",reason="request"} 1"#))
            #expect(metrics.contains("switchyard_model_processes 0"))
        }
    }

    @Test func concurrentColdRequestsShareOneStart() async throws {
        let scratch = try Scratch()
        try await Self.withProcesses([Self.spec("slow", model: "slow", ["--slow-start", "0.8"], in: scratch)], in: scratch) { proxy in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<4 {
                    group.addTask {
                        let body = index % 2 == 0 ? Self.chat("slow") : #"{"model":"slow","messages":[{"role":"user","content":"hi"}],"stream":true}"#
                        return Int(try await proxy.send(.post, index % 2 == 0 ? "/api/chat" : "/v1/chat/completions", json: body).status.code)
                    }
                }
                for try await status in group { #expect(status == 200) }
            }
            #expect(scratch.pids("slow").count == 1, "one process for the four")
        }
    }

    @Test func overMaxLoadedTheLeastRecentlyUsedIdleModelMakesRoom() async throws {
        let scratch = try Scratch()
        let specs = [Self.spec("a", model: "a", in: scratch), Self.spec("b", model: "b", in: scratch)]
        try await Self.withProcesses(specs, in: scratch, maxLoaded: 1) { proxy in
            #expect(try await proxy.send(.post, "/api/chat", json: Self.chat("a")).status == .ok)
            #expect(try await Self.running(proxy) == ["a:latest"])
            #expect(try await proxy.send(.post, "/api/chat", json: Self.chat("b")).status == .ok)
            #expect(try await Self.running(proxy) == ["b:latest"])
            let first = try #require(scratch.pids("a").first)
            #expect(!Self.isAlive(first))
        }
    }

    @Test func aModelWithARequestInFlightIsNeverStoppedForAnother() async throws {
        let scratch = try Scratch()
        let specs = [
            Self.spec("busy", model: "busy", ["--chunks", "10", "--chunk-delay", "0.2"], in: scratch),
            Self.spec("other", model: "other", in: scratch, startTimeout: .seconds(1)),
        ]
        try await Self.withProcesses(specs, in: scratch, maxLoaded: 1) { proxy in
            async let stream = proxy.send(.post, "/v1/chat/completions", json: Self.chat("busy", stream: true))
            while scratch.pids("busy").isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(500))
            let refused = try await proxy.send(.post, "/api/chat", json: Self.chat("other"))
            #expect(refused.status == .serviceUnavailable)
            #expect(try (refused.json["error"] as? String)?.contains("max_loaded") == true)
            let streamed = try await stream
            #expect(streamed.text.hasSuffix("data: [DONE]\n\n"), "the busy model finished its stream")
            #expect(scratch.pids("other").isEmpty)
        }
    }

    @Test func aProcessThatDiesFailsItsRequestAndTheNextStartsItAgain() async throws {
        let scratch = try Scratch()
        let logs = CapturedLogs()
        try await Self.withProcesses([Self.spec("fragile", model: "fragile", ["--crash-on-chat", "1"], in: scratch)], in: scratch, logs: logs) {
            proxy in
            let cut = try await proxy.send(.post, "/api/chat", json: Self.chat("fragile", stream: true))
            #expect(cut.text.contains(#""error""#), "the stream ends with an error line")
            let again = try await proxy.send(.post, "/api/chat", json: Self.chat("fragile"))
            #expect(again.status == .ok)
            #expect(scratch.pids("fragile").count == 2)
            #expect(
                logs.all.contains { $0.message == "model process ended by itself" },
                "\(logs.all.filter { $0.message != "request" }.map { "\($0.message) \($0.metadata)" })")
        }
    }

    @Test func aPortTakenBeforeTheProcessBoundItIsTriedAgainOnAnother() async throws {
        let scratch = try Scratch()
        let logs = CapturedLogs()
        let spec = Self.spec("racy", model: "racy", ["--port-taken-once", "\(scratch.path)/taken"], in: scratch)
        try await Self.withProcesses([spec], in: scratch, logs: logs) { proxy in
            let reply = try await proxy.send(.post, "/api/chat", json: Self.chat("racy"))
            #expect(reply.status == .ok, "the same request, on the second port")
            #expect(scratch.pids("racy").count == 2)
            #expect(logs.all.contains { $0.message.hasPrefix("the port was taken") })
        }
    }

    @Test func aProcessThatNeverBecomesReadyIsKilledWithAClearError() async throws {
        let scratch = try Scratch()
        try await Self.withProcesses([Self.spec("stuck", model: "stuck", ["--never-ready"], in: scratch, startTimeout: .seconds(1))], in: scratch) {
            proxy in
            let refused = try await proxy.send(.post, "/v1/chat/completions", json: Self.chat("stuck"))
            #expect(refused.status == .serviceUnavailable)
            let message = try #require(try (refused.json["error"] as? [String: Any])?["message"] as? String)
            #expect(message.contains("python3 was stopped: it did not answer 200 on /health within 1"))
            #expect(!Self.isAlive(try #require(scratch.pids("stuck").first)))
        }
    }

    @Test func aCommandThatFailsAtOnceIsRetriedThenBackedOff() async throws {
        let scratch = try Scratch()
        try await Self.withProcesses([Self.spec("broken", model: "broken", ["--exit-at-start"], in: scratch)], in: scratch) { proxy in
            let first = try await proxy.send(.post, "/api/chat", json: Self.chat("broken"))
            #expect(first.status == .serviceUnavailable)
            #expect(try (first.json["error"] as? String)?.contains("ended (exit status 1) before it was ready") == true)
            #expect(try await proxy.send(.post, "/api/chat", json: Self.chat("broken")).status == .serviceUnavailable)
            let backedOff = try await proxy.send(.post, "/api/chat", json: Self.chat("broken"))
            #expect(backedOff.headers[.retryAfter] != nil, "two failures in a row: a back-off")
            #expect(scratch.pids("broken").count == 2, "not started again during the back-off")
            #expect(scratch.log("broken").contains("failed to load model"))
        }
    }

    @Test func anIdleProcessStopsAfterItsKeepAliveAndShutdownStopsTheRest() async throws {
        let scratch = try Scratch()
        let specs = [Self.spec("brief", model: "brief", in: scratch), Self.spec("kept", model: "kept", ["--ignore-term"], in: scratch)]
        try await Self.withProcesses(specs, in: scratch) { proxy in
            #expect(try await proxy.send(.post, "/api/chat", json: Self.chat("kept", keepAlive: "-1")).status == .ok)
            #expect(try await proxy.send(.post, "/api/chat", json: Self.chat("brief", keepAlive: #""2s""#)).status == .ok)
            #expect(try await Self.running(proxy) == ["brief:latest", "kept:latest"])
            let deadline = ContinuousClock.now + .seconds(20)
            while try await Self.running(proxy) != ["kept:latest"], ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            #expect(try await Self.running(proxy) == ["kept:latest"], "brief stopped after its two idle seconds; kept stays")
            #expect(!Self.isAlive(try #require(scratch.pids("brief").first)))
        }
        // The server has stopped: the process kept for ever is gone too, SIGKILLed after its grace.
        #expect(!Self.isAlive(try #require(scratch.pids("kept").first)))
    }
}
