import Foundation
import Hummingbird
import NIOCore
import SwitchyardFixtures

/// An Ollama server replaying traffic recorded from Switchyard's own Ollama surface in front of
/// a real llama-server (and, for what that cannot produce, the documented wire format).
struct FakeOllamaUpstream: FakeServer {
    /// The `/api/chat` stream to replay.
    var chatStream = "switchyard-ollama/chat-stream.ndjson"
    let log = UpstreamLog()

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        let log = log
        let chatStream = chatStream
        router.get("/api/version") { _, _ in try Self.file("switchyard-ollama/version.json") }
        router.post("/api/pull") { request, _ in
            var request = request
            log.record(request, body: Array(try await request.collectBody(upTo: 1 << 20).readableBytesView))
            return try Self.file("ollama-docs/pull-stream.ndjson", type: "application/x-ndjson")
        }
        router.get("/api/tags") { request, _ in
            log.record(request, body: [])
            return try Self.file("switchyard-ollama/tags.json")
        }
        for (path, stream, whole) in [
            ("/api/chat", chatStream, "switchyard-ollama/chat.json"),
            ("/api/generate", "switchyard-ollama/generate-stream.ndjson", "switchyard-ollama/generate.json"),
            ("/api/show", "", "switchyard-ollama/show.json"), ("/api/embed", "", "switchyard-ollama/embed.json"),
        ] {
            router.post(RouterPath(path)) { request, _ in
                var request = request
                let body = Array(try await request.collectBody(upTo: 1 << 24).readableBytesView)
                log.record(request, body: body)
                let json = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] ?? [:]
                if json["model"] as? String == "missing" {
                    var response = try Self.file("switchyard-ollama/error-model-not-found.json")
                    response.status = .notFound
                    return response
                }
                // Ollama streams unless told `false`.
                return json["stream"] as? Bool == false || stream.isEmpty
                    ? try Self.file(whole) : try Self.file(stream, type: "application/x-ndjson")
            }
        }
        return router
    }

    static func file(_ name: String, type: String = "application/json; charset=utf-8") throws -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: try Fixtures.bytes(name))))
    }
}
