import Foundation
import Hummingbird
import NIOCore
import SwitchyardFixtures

/// An upstream that answers exactly what a test scripts, however broken: the chat reply's
/// bytes and type (or a body broken off midway), the model list, and the `/api/version`
/// statuses a dialect probe meets in turn. Every request it gets is logged, whatever the path.
struct ScriptedUpstream: FakeServer {
    struct Reply: Sendable {
        var contentType = "text/event-stream"
        var body: [UInt8]
        /// Close the connection after the body instead of ending it: a cut the client must notice.
        var breakOff = false
    }

    var chat = Reply(
        body: Array(#"data: {"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}"#.utf8) + Array("\n\ndata: [DONE]\n\n".utf8))
    var models: [UInt8]? = nil
    /// `/api/version` answers these statuses in turn (an Ollama `{"version"}` body with 200),
    /// then 404 when they run out.
    var versionStatuses: [Int] = []
    /// What `GET /v1/models/{id}` answers, if the upstream has that route (llama-server has not).
    var modelAnswer: String? = nil
    let log = UpstreamLog()

    init(modelAnswer: String? = nil) {
        self.modelAnswer = modelAnswer
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        let (log, chat, models, statuses, modelAnswer) = (log, chat, models, versionStatuses, modelAnswer)
        router.get("/v1/models") { request, _ in
            log.record(request, body: [])
            let body = try models ?? Fixtures.bytes("llama-server/models.json")
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("/api/version") { request, _ in
            log.record(request, body: [])
            let call = log.entries.filter { $0.path == "/api/version" }.count - 1
            let status = call < statuses.count ? statuses[call] : 404
            let body = status == 200 ? #"{"version":"0.12.0"}"# : #"{"error":"busy"}"#
            return Response(
                status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        router.get("/api/tags") { request, _ in
            log.record(request, body: [])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"models":[]}"#)))
        }
        router.post("/v1/chat/completions") { request, _ in
            var request = request
            log.record(request, body: Array(try await request.collectBody(upTo: 1 << 24).readableBytesView))
            return Response(
                status: .ok, headers: [.contentType: chat.contentType],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(bytes: chat.body))
                    if chat.breakOff {
                        try await Task.sleep(for: .milliseconds(200))  // let those bytes leave before the cut
                        throw CancellationError()  // closes the connection without finishing the body
                    }
                    try await writer.finish(nil)
                })
        }
        router.get("/v1/models/{id}") { request, _ in
            log.record(request, body: [])
            guard let modelAnswer else { return Response(status: .notFound) }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: modelAnswer)))
        }
        router.get("**") { request, _ in
            log.record(request, body: [])
            return Response(status: .notFound)
        }
        return router
    }
}
