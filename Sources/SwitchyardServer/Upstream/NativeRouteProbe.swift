import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Knows whether the upstream serves `/v1/messages` and `/v1/responses` itself (an Ollama
/// upstream never does here: it is always translated to `/api/chat`), asking once per route: an empty body (`{}`) is refused by a server with the route (400, 422, or llama-server's
/// 500 "'messages' is required") and answered 404/405/501 by one without — nothing is generated.
///
/// llama-server's own `/v1/responses` stream lacks `output_index`, `content_index` and
/// `sequence_number`, which the openai SDK's `responses.stream()` needs (it fails on the first
/// delta), so that route is translated over llama.cpp however it answers.
final class NativeRouteProbe: Sendable {
    private let client: UpstreamClient
    private let dialect: DialectResolver
    private let setting: NativeRoutesSetting
    private let logger: Logger
    private let known: Mutex<[String: Bool]> = Mutex([:])

    init(client: UpstreamClient, dialect: DialectResolver, setting: NativeRoutesSetting, logger: Logger) {
        self.client = client
        self.dialect = dialect
        self.setting = setting
        self.logger = logger
    }

    func serves(_ path: String) async -> Bool {
        guard setting == .auto, await dialect.current() == .openAI else { return false }
        if let answer = known.withLock({ $0[path] }) { return answer }
        do {
            let response = try await client.execute(
                .POST, path, headers: ["content-type": "application/json"], body: ByteBuffer(string: "{}"), logger: logger)
            let body = try await UpstreamClient.collect(response, limit: 64 * 1024, upstream: client.base)
            let status = Int(response.status.code)
            // A proxy or a server still loading says nothing about the route: asked again next time.
            if [408, 429, 502, 503, 504].contains(status) { return false }
            let server = response.headers.first(name: "server") ?? ""
            let answer = Self.serves(path: path, status: status, server: server, body: String(buffer: body))
            known.withLock { $0[path] = answer }
            logger.notice(
                answer ? "upstream serves the route itself; passing it through" : "translating the route to the upstream's chat endpoint",
                metadata: ["upstream": "\(client.base)", "route": "\(path)", "status": "\(status)"])
            return answer
        } catch {
            return false
        }
    }

    static func serves(path: String, status: Int, server: String, body: String) -> Bool {
        if [404, 405, 501].contains(status) { return false }
        // LM Studio answers an unknown route with 200 and this message.
        if body.contains("Unexpected endpoint") { return false }
        if path == "/v1/responses", server.lowercased().hasPrefix("llama.cpp") { return false }
        return true
    }
}
