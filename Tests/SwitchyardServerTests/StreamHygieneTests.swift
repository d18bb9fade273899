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

@Suite struct StreamHygieneTests {
    static let chatBody = #"{"model":"tiny","messages":[{"role":"user","content":"hi"}]}"#

    @Test func ollamaStreamCutMidwayEndsWithAnErrorLine() async throws {
        try await withProxy(upstream: FakeUpstream(chat: .dropAfter(events: 3))) { proxy in
            let response = try await proxy.send(.post, "/api/chat", json: Self.chatBody)
            #expect(response.status == .ok)
            let lines = try response.lines
            #expect(lines.count == 3, "two content chunks, then the error")
            #expect(lines.dropLast().allSatisfy { $0["done"] as? Bool == false })
            let error = try #require(lines.last?["error"] as? String)
            #expect(error.contains("upstream"))
            #expect(lines.allSatisfy { $0["done"] as? Bool != true })
        }
    }

    @Test func openAIStreamCutMidwayEndsWithAnErrorEvent() async throws {
        try await withProxy(upstream: FakeUpstream(chat: .dropAfter(events: 3))) { proxy in
            let response = try await proxy.send(.post, "/v1/chat/completions", json: #"{"model":"tiny","messages":[],"stream":true}"#)
            let events = response.text.components(separatedBy: "\n\n").filter { $0.hasPrefix("data: ") }
            let last = try #require(events.last)
            let error = try JSONSerialization.jsonObject(with: Data(last.dropFirst(6).utf8)) as? [String: Any]
            #expect((error?["error"] as? [String: Any])?["message"] is String)
            #expect(!response.text.contains("[DONE]"))
        }
    }

    @Test func aClientThatHangsUpCancelsTheUpstreamRequestAtOnce() async throws {
        // Chunks 4 s apart: the proxy has nothing to write when the client leaves, so only
        // watching the client's side of the connection can notice before the next one. (The
        // 3 s wait leaves room for a loaded CI machine; without the watch it would take 4 s.)
        try await withProxy(upstream: FakeUpstream(chat: .slow(chunks: 50, delay: .seconds(4)))) { proxy in
            for path in ["/api/chat", "/v1/chat/completions"] {
                var request = HTTPClientRequest(url: proxy.url + path)
                request.method = .POST
                request.headers.add(name: "content-type", value: "application/json")
                request.body = .bytes(ByteBuffer(string: #"{"model":"tiny","stream":true,"messages":[{"role":"user","content":"hi"}]}"#))
                let sentBefore = proxy.log.chunksSent
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                for try await _ in response.body { break }  // first chunk, then hang up
                try await waitUntil(within: .seconds(3)) { proxy.log.inFlight == 0 }
                #expect(proxy.log.chunksSent - sentBefore == 1, "\(path): generation stopped after the chunk the client saw")
                #expect(proxy.log.completedStreams == 0)
            }
        }
    }

    @Test func concurrentStreamsAreNotQueuedBehindAConnectionLimit() async throws {
        let count = 24  // three times AsyncHTTPClient's default per-host limit
        try await withProxy(upstream: FakeUpstream(chat: .slow(chunks: 4, delay: .milliseconds(400)))) { proxy in
            // The test's own client must not be the bottleneck either.
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = count
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            defer { _ = client.shutdown() }
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<count {
                    group.addTask {
                        var request = HTTPClientRequest(url: proxy.url + "/api/chat")
                        request.method = .POST
                        request.body = .bytes(ByteBuffer(string: Self.chatBody))
                        let response = try await client.execute(request, timeout: .seconds(30))
                        let body = try await response.body.collect(upTo: 1 << 20)
                        return String(buffer: body).split(separator: "\n").count
                    }
                }
                for try await lines in group { #expect(lines == 5) }
            }
            #expect(proxy.log.maxInFlight == count)
        }
    }

    @Test func anUnreachableUpstreamIs502NamingIt() async throws {
        let closedPort = try ClosedPort()
        let upstream = "http://127.0.0.1:\(closedPort.port)"
        try await withProxy(configure: { $0.upstream = try UpstreamURL(upstream) }) { proxy in
            let ollama = try await proxy.send(.post, "/api/chat", json: Self.chatBody)
            #expect(ollama.status == .badGateway)
            #expect(try (ollama.json["error"] as? String)?.contains("upstream \(upstream) is unreachable") == true)
            let openAI = try await proxy.send(.post, "/v1/chat/completions", json: Self.chatBody)
            #expect(openAI.status == .badGateway)
            let error = try #require(try openAI.json["error"] as? [String: Any])
            #expect((error["message"] as? String)?.contains(upstream) == true)
            #expect(error["type"] as? String == "api_error")
            #expect(try await proxy.send(.get, "/").status == .ok, "still serving")
        }
        withExtendedLifetime(closedPort) {}
    }

    @Test func theHeadTimeoutNeverCutsALongStream() async throws {
        // 8 chunks 400 ms apart: the stream outlives the 1 s head timeout threefold. (Margins
        // this wide keep the test honest on a loaded two-core machine.)
        try await withProxy(
            upstream: FakeUpstream(chat: .slow(chunks: 8, delay: .milliseconds(400))),
            configure: { $0.upstreamHeadTimeout = .seconds(1) }
        ) { proxy in
            let lines = try await proxy.send(.post, "/api/chat", json: Self.chatBody).lines
            #expect(lines.count == 9)
            #expect(lines.last?["done"] as? Bool == true)
        }
    }

    @Test func anUpstreamThatDoesNotAnswerInTimeIs504() async throws {
        try await withProxy(
            upstream: FakeUpstream(chat: .slow(chunks: 1, delay: .milliseconds(10)), headDelay: .seconds(2)),
            configure: { $0.upstreamHeadTimeout = .milliseconds(200) }
        ) { proxy in
            let response = try await proxy.send(.post, "/api/chat", json: Self.chatBody)
            #expect(response.status == .gatewayTimeout)
            #expect(try (response.json["error"] as? String)?.contains("did not answer") == true)
        }
    }

    @Test func upstreamErrorsKeepTheirStatusAndMessage() async throws {
        try await withProxy(upstream: FakeUpstream(chat: .status(400, fixture: "llama-server/error-context-overflow.json"))) { proxy in
            let ollama = try await proxy.send(.post, "/api/chat", json: Self.chatBody)
            #expect(ollama.status == .badRequest)
            #expect(try (ollama.json["error"] as? String)?.hasPrefix("request (18019 tokens) exceeds the available context size") == true)
            let openAI = try await proxy.send(.post, "/v1/chat/completions", json: Self.chatBody)
            #expect(openAI.status == .badRequest)
            #expect(openAI.body == ByteBuffer(bytes: try Fixtures.bytes("llama-server/error-context-overflow.json")))
        }
    }

    @Test func badInputIs400InTheCallersDialectAndTheServerKeepsServing() async throws {
        try await withProxy { proxy in
            let ollamaCases = [
                ("{\"model\":", "invalid JSON in request body"),
                (#"{"messages":[]}"#, "model is required"),
                (#"{"model":"tiny","messages":"hi"}"#, "invalid request: 'messages' must be an array"),
                (#"{"model":"tiny","stream":"yes"}"#, "invalid request: 'stream' must be a boolean"),
                ("", "missing request body"),
            ]
            for (body, message) in ollamaCases {
                let response = try await proxy.send(.post, "/api/chat", json: body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(try response.json["error"] as? String == message)
            }
            #expect(try await proxy.send(.post, "/api/chat", json: Self.chatBody).status == .ok)
        }
    }

    @Test func oversizedBodiesAre413InBothDialects() async throws {
        try await withProxy(configure: { $0.maximumBodySize = 1024 }) { proxy in
            let big = #"{"model":"tiny","messages":[{"role":"user","content":""# + String(repeating: "x", count: 2048) + #""}]}"#
            let ollama = try await proxy.send(.post, "/api/chat", json: big)
            #expect(ollama.status == .contentTooLarge)
            #expect(try (ollama.json["error"] as? String)?.contains("1024") == true)
            let openAI = try await proxy.send(.post, "/v1/chat/completions", json: big)
            #expect(openAI.status == .contentTooLarge)
            #expect(try (openAI.json["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")
            #expect(proxy.log.chats.isEmpty)
            #expect(try await proxy.send(.post, "/api/chat", json: Self.chatBody).status == .ok)
        }
    }

    @Test func aRequestOnAConnectionTheUpstreamDroppedIsRetriedOnce() async throws {
        // Answers the first request on each connection, then closes on the next without answering:
        // what a pooled client meets with llama-server, which announces keep-alive but closes
        // after every stream.
        let answer = String(decoding: try Fixtures.bytes("llama-server/chat.json"), as: UTF8.self)
        let server = try await SocketScriptServer { n in n == 0 ? [.send(SocketScriptServer.response(answer))] : [.close] }
        defer { Task { try? await server.stop() } }
        try await withProxy(configure: { $0.upstream = try UpstreamURL("http://127.0.0.1:\(server.port)") }) { proxy in
            // Connections are pooled per event loop: more requests than loops meet a pooled one.
            let count = 2 * System.coreCount + 2
            for _ in 0..<count {
                let response = try await proxy.send(.post, "/v1/chat/completions", json: #"{"model":"tiny","messages":[]}"#)
                #expect(response.status == .ok)
            }
            #expect(server.requests > count, "some requests met a dropped connection, then went again")
        }
    }
}

func freePort() throws -> Int {
    let socket = try ClosedPort()
    return socket.port
}

/// A loopback port that refuses connections for as long as this lives: bound but never
/// listening, so no other test — nor a process Switchyard starts — can take it meanwhile.
final class ClosedPort: Sendable {
    let port: Int
    private let fd: Int32

    deinit { close(fd) }

    init() throws {
        let fd = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw CancellationError()
        }
        port = Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Polls `condition` until it holds or `limit` has passed.
func waitUntil(within limit: Duration = .seconds(5), _ condition: @Sendable () -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while !condition(), ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(20))
    }
    #expect(condition(), "condition not met within \(limit)")
}
