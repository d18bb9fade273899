import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SwitchyardFixtures
import Synchronization

/// An OpenAI-compatible upstream that replays traffic recorded from a real llama-server, or
/// misbehaves on purpose. It records what it was sent, so tests can check what Switchyard
/// forwarded.
struct FakeUpstream: FakeServer {
    enum ChatBehaviour: Sendable {
        /// The recorded stream or completion, depending on the request's `stream`.
        case replay
        /// The recorded stream, cut off (connection closed) after `events` SSE events.
        case dropAfter(events: Int)
        /// `chunks` token events, `delay` apart, then a finish; counts what it managed to send.
        case slow(chunks: Int, delay: Duration)
        /// An error answer with this status and recorded body (and headers, e.g. `Retry-After`).
        case status(Int, fixture: String, headers: HTTPFields = [:])
    }

    var chat: ChatBehaviour = .replay
    /// How long `/v1/chat/completions` waits before sending its response head.
    var headDelay: Duration = .zero
    var modelsFixture = "llama-server/models.json"
    var propsFixture: String? = "llama-server/props.json"
    /// What `.replay` sends for streamed and whole chat completions.
    var streamFixture = "llama-server/chat-stream.sse"
    var replyFixture = "llama-server/chat.json"
    let log = UpstreamLog()

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        let log = log
        router.get("/v1/models") { request, _ in
            log.record(request, body: [])
            return try Self.file(modelsFixture, type: "application/json")
        }
        router.get("/props") { request, _ in
            log.record(request, body: [])
            guard let propsFixture else { throw HTTPError(.notFound) }
            return try Self.file(propsFixture, type: "application/json")
        }
        router.post("/v1/embeddings") { request, _ in
            var request = request
            log.record(request, body: Array(try await request.collectBody(upTo: 1 << 24).readableBytesView))
            return try Self.file("llama-server/embeddings.json", type: "application/json")
        }
        router.post("/v1/completions") { request, _ in
            var request = request
            log.record(request, body: Array(try await request.collectBody(upTo: 1 << 24).readableBytesView))
            return try Self.file("llama-server/completion-stream.sse", type: "text/event-stream")
        }
        router.post("/v1/chat/completions") { request, _ in
            var request = request
            let body = Array(try await request.collectBody(upTo: 1 << 24).readableBytesView)
            log.record(request, body: body)
            if headDelay > .zero { try await Task.sleep(for: headDelay) }
            let streaming = (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["stream"] as? Bool ?? false
            return try respond(streaming: streaming, request: request, log: log)
        }
        // llama-server's answer to a route it lacks, logged so tests see what was asked.
        // (The router does not backtrack: `/v1/…` needs a wildcard of its own.)
        for path in ["**", "/v1/**"] {
            router.post(RouterPath(path)) { request, _ in
                var request = request
                log.record(request, body: Array(try await request.collectBody(upTo: 1 << 24).readableBytesView))
                return Response(
                    status: .notFound, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"message":"File Not Found","type":"not_found_error","code":404}}"#)))
            }
        }
        return router
    }

    private func respond(streaming: Bool, request: Request, log: UpstreamLog) throws -> Response {
        switch chat {
        case .replay where streaming:
            return try Self.file(streamFixture, type: "text/event-stream")
        case .replay:
            return try Self.file(replyFixture, type: "application/json")
        case .status(let status, let fixture, let headers):
            var response = try Self.file(fixture, type: "application/json")
            response.status = .init(code: status)
            for field in headers { response.headers.append(field) }
            return response
        case .dropAfter(let count):
            let events = try Fixtures.text("llama-server/chat-stream.sse").components(separatedBy: "\n\n").prefix(count)
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream"],
                body: ResponseBody { writer in
                    for event in events { try await writer.write(ByteBuffer(string: event + "\n\n")) }
                    try await Task.sleep(for: .milliseconds(200))  // let those bytes leave before the cut
                    throw CancellationError()  // closes the connection without finishing the body
                })
        case .slow(let chunks, let delay):
            return Response(
                status: .ok, headers: [.contentType: "text/event-stream"],
                body: ResponseBody { writer in
                    log.streamStarted()
                    defer { log.streamEnded() }
                    // Like llama-server, stop generating as soon as the client (Switchyard) hangs up.
                    try await request.body.consumeWithCancellationOnInboundClose { _ in
                        for index in 0..<chunks {
                            try await Task.sleep(for: delay)
                            try await writer.write(ByteBuffer(string: #"data: {"choices":[{"index":0,"delta":{"content":"t\#(index) "}}]}"# + "\n\n"))
                            log.sent()
                        }
                        try await writer.write(
                            ByteBuffer(string: #"data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"# + "\n\ndata: [DONE]\n\n"))
                        log.completed()
                    }
                    try await writer.finish(nil)
                })
        }
    }

    static func file(_ name: String, type: String) throws -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: try Fixtures.bytes(name))))
    }
}

/// What the fake upstream saw.
final class UpstreamLog: Sendable {
    struct Entry: Sendable {
        var method: HTTPRequest.Method
        var path: String
        var headers: HTTPFields
        var body: [UInt8]

        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }
    }

    private struct State {
        var entries: [Entry] = []
        var inFlight = 0
        var maxInFlight = 0
        var chunksSent = 0
        var completedStreams = 0
    }

    private let state = Mutex(State())

    func record(_ request: Request, body: [UInt8]) {
        state.withLock { $0.entries.append(Entry(method: request.method, path: request.uri.path, headers: request.headers, body: body)) }
    }

    func streamStarted() {
        state.withLock {
            $0.inFlight += 1
            $0.maxInFlight = max($0.maxInFlight, $0.inFlight)
        }
    }

    func streamEnded() { state.withLock { $0.inFlight -= 1 } }
    func sent() { state.withLock { $0.chunksSent += 1 } }
    func completed() { state.withLock { $0.completedStreams += 1 } }

    var entries: [Entry] { state.withLock { $0.entries } }
    var chats: [Entry] { entries.filter { $0.path == "/v1/chat/completions" } }
    var completions: [Entry] { entries.filter { $0.path == "/v1/completions" } }
    var maxInFlight: Int { state.withLock { $0.maxInFlight } }
    var inFlight: Int { state.withLock { $0.inFlight } }
    var chunksSent: Int { state.withLock { $0.chunksSent } }
    var completedStreams: Int { state.withLock { $0.completedStreams } }
}
