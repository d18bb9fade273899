import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import SwitchyardCore

/// The Anthropic Messages surface (`/v1/messages`, `/v1/messages/count_tokens`), what Claude
/// Code and the `anthropic` SDKs call. Passed through to an OpenAI-compatible upstream that
/// serves the route itself; otherwise translated to the upstream's chat endpoint and back,
/// streams event by event. Errors are Anthropic-shaped, the upstream's included.
struct AnthropicRoutes: Sendable {
    typealias Context = SwitchyardRequestContext

    let registry: UpstreamRegistry
    let maximumBodySize: Int

    func register(on router: Router<Context>) {
        router.post("/v1/messages", use: messages)
        router.post("/v1/messages/count_tokens", use: countTokens)
        for path in ["/v1/messages", "/v1/messages/count_tokens"] { router.refuseOtherMethods(on: RouterPath(path), allowing: [.post]) }
    }

    @Sendable func messages(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let (body, anthropic) = try await read(&request)
        let upstream = registry.upstream(for: context)
        let (native, bridge) = (upstream.native, upstream.bridge)
        if await native.serves("/v1/messages") {
            return try await passThrough(request, body: body, path: "/v1/messages", context: context)
        }
        let translated = try AnthropicToOpenAI.chat(anthropic)
        var headers = HTTPFields()
        let sent = try await bridge.send(translated, surface: "anthropic", request: request, context: context, headers: &headers)
        let id = "msg_" + OpenAIRoutes.responseID(prefix: "")
        if anthropic.stream {
            let encoder = AnthropicStreamEncoder(id: id, model: anthropic.model, showThinking: translated.showThinking)
            return bridge.stream(sent, encoder: encoder, request: request, headers: headers)
        }
        var builder = AnthropicMessageBuilder()
        builder.add(try await bridge.events(of: sent))
        return JSONResponse.bytes(try builder.message(id: id, model: anthropic.model, showThinking: translated.showThinking), headers: headers)
    }

    /// The exact count: the upstream's own `count_tokens`, else the prompt tokens of a one-token
    /// generation of the same conversation (nothing is estimated).
    @Sendable func countTokens(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let (body, anthropic) = try await read(&request)
        let upstream = registry.upstream(for: context)
        let (native, bridge) = (upstream.native, upstream.bridge)
        if await native.serves("/v1/messages/count_tokens") {
            return try await passThrough(request, body: body, path: "/v1/messages/count_tokens", context: context)
        }
        var headers = HTTPFields()
        let sent = try await bridge.send(
            try AnthropicToOpenAI.countTokens(anthropic), surface: "anthropic", request: request, context: context, headers: &headers)
        var builder = AnthropicMessageBuilder()
        builder.add(try await bridge.events(of: sent))
        guard let tokens = builder.promptTokens else { throw RequestError(.badGateway, "upstream reported no prompt token count") }
        return JSONResponse.bytes(AnthropicMessageBuilder.tokenCount(tokens), headers: headers)
    }

    /// The body, decoded: a malformed one is refused here, whichever path it takes after.
    private func read(_ request: inout Request) async throws -> (ByteBuffer, AnthropicRequest) {
        let body = try await request.collectBody(limit: maximumBodySize)
        let anthropic = try JSONCoding.decodeRequest(AnthropicRequest.self, from: Array(body.readableBytesView))
        RequestTrace.record { $0.model = anthropic.model }
        return (body, anthropic)
    }

    /// The upstream's answer as it is, except an error body in another shape (llama-server
    /// answers in OpenAI's), which is rewritten in Anthropic's so the SDK can read it.
    private func passThrough(_ request: Request, body: ByteBuffer, path: String, context: Context) async throws -> Response {
        RequestTrace.record { $0.translation = "pass-through" }
        let upstream = registry.upstream(for: context)
        let (forwarder, bridge) = (upstream.forwarder, upstream.bridge)
        let response = try await forwarder.send(request, context: context, body: body, path: path)
        guard response.status.code >= 400 else { return try await forwarder.relay(response, for: request) }
        let answer = try await UpstreamClient.collect(response, limit: 1024 * 1024, upstream: bridge.client.base)
        let isAnthropic = answer.withUnsafeReadableBytes {
            JSONScanner.topLevelString("type", in: $0.assumingMemoryBound(to: UInt8.self)) == "error"
        }
        guard !isAnthropic else {
            return Response(
                status: .init(code: Int(response.status.code)), headers: HeaderFilter.client(response.headers), body: .init(byteBuffer: answer))
        }
        RequestTrace.record { $0.upstreamError = "status_\(response.status.code / 100)xx" }
        throw RequestError(.upstream(status: Int(response.status.code)), UpstreamClient.errorMessage(answer, status: response.status))
    }
}
