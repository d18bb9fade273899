import Foundation
import Hummingbird
import NIOCore
import SwitchyardFixtures

/// An OpenAI-compatible upstream that also serves `/v1/messages`, `/v1/messages/count_tokens`
/// and `/v1/responses` itself, replaying what a real llama-server answered on them; `server`
/// is the `Server` header it sends (llama-server says `llama.cpp`).
struct NativeRoutesUpstream: FakeServer {
    var server = "vllm"
    let log = UpstreamLog()

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        let (log, server) = (log, server)
        let routes = [
            ("/v1/messages", "llama-server/messages.json", "llama-server/messages-stream.sse"),
            ("/v1/messages/count_tokens", "llama-server/messages-count-tokens.json", ""),
            ("/v1/responses", "llama-server/responses.json", "llama-server/responses-stream.sse"),
            ("/v1/chat/completions", "llama-server/chat.json", "llama-server/chat-stream.sse"),
        ]
        for (path, whole, stream) in routes {
            router.post(RouterPath(path)) { request, _ in
                var request = request
                let body = Array(try await request.collectBody(upTo: 1 << 24).readableBytesView)
                log.record(request, body: body)
                let json = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] ?? [:]
                var response: Response
                if json.isEmpty {  // llama-server's answer to the probe's `{}`
                    response = try FakeUpstream.file("llama-server/messages-error.json", type: "application/json")
                    response.status = .internalServerError
                } else if json["model"] as? String == "cut", !stream.isEmpty {  // half the stream, then the connection closes
                    let bytes = try Fixtures.bytes(stream)
                    return Response(
                        status: .ok, headers: [.contentType: "text/event-stream"],
                        body: ResponseBody { writer in
                            try await writer.write(ByteBuffer(bytes: bytes.prefix(bytes.count / 2)))
                            try await Task.sleep(for: .milliseconds(200))
                            throw CancellationError()
                        })
                } else if json["model"] as? String == "overloaded" {
                    response = try FakeUpstream.file("llama-server/messages-error.json", type: "application/json")
                    response.status = .serviceUnavailable
                } else {
                    let streaming = json["stream"] as? Bool == true
                    response = try FakeUpstream.file(streaming ? stream : whole, type: streaming ? "text/event-stream" : "application/json")
                }
                response.headers[.server] = server
                return response
            }
        }
        return router
    }
}
