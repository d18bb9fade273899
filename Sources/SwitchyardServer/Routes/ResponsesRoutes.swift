import HTTPTypes
import Hummingbird
import NIOCore
import SwitchyardCore

/// The OpenAI Responses surface (`/v1/responses`), what Codex-style agents and
/// `client.responses` call. Passed through to an upstream that serves it (see
/// ``NativeRouteProbe``); otherwise translated to the upstream's chat endpoint and back.
/// Stateless: nothing is stored, so the routes that read stored responses answer 404.
struct ResponsesRoutes: Sendable {
    typealias Context = SwitchyardRequestContext

    let registry: UpstreamRegistry
    let maximumBodySize: Int

    func register(on router: Router<Context>) {
        router.post("/v1/responses", use: responses)
        router.refuseOtherMethods(on: "/v1/responses", allowing: [.post])
        let notStored: @Sendable (Request, Context) async throws -> Response = { [registry] request, context in
            // An upstream that serves Responses may store them; otherwise there is nothing to find.
            // (With several upstreams, the first is the one asked: the path names no model.)
            if await registry.primary.native.serves("/v1/responses") {
                return try await registry.primary.forwarder.forward(request, context: context, body: nil)
            }
            throw RequestError(.notFound, "responses are not stored: Switchyard keeps no state between requests")
        }
        for method in [HTTPRequest.Method.get, .post, .delete] { router.on("/v1/responses/**", method: method, use: notStored) }
    }

    @Sendable func responses(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body = try await request.collectBody(limit: maximumBodySize)
        let upstream = registry.upstream(for: context)
        let (forwarder, bridge) = (upstream.forwarder, upstream.bridge)
        if await upstream.native.serves("/v1/responses") {
            let envelope = try OpenAIRequestEnvelope.read(body)
            RequestTrace.record {
                $0.model = envelope.model
                $0.translation = "pass-through"
            }
            return try await forwarder.forward(request, context: context, body: body, path: "/v1/responses")
        }
        let responses = try JSONCoding.decodeRequest(ResponsesRequest.self, from: Array(body.readableBytesView))
        RequestTrace.record { $0.model = responses.model }
        let translated = try ResponsesToOpenAI.chat(responses)
        var headers = HTTPFields()
        let sent = try await bridge.send(translated, surface: "responses", request: request, context: context, headers: &headers)
        let echo = ResponsesEcho(
            id: "resp_" + OpenAIRoutes.responseID(prefix: ""), model: responses.model, createdAt: Timestamp.now().unixNanoseconds / 1_000_000_000,
            request: responses)
        if responses.stream {
            return bridge.stream(sent, encoder: ResponsesStreamEncoder(echo: echo), request: request, headers: headers)
        }
        var encoder = ResponsesStreamEncoder(echo: echo, streams: false)
        var unused: [UInt8] = []
        for event in try await bridge.events(of: sent) { encoder.encode(event, into: &unused) }
        if let failure = encoder.failure { throw RequestError(.badGateway, failure) }
        guard let response = encoder.response else { throw RequestError(.badGateway, "upstream's answer ended before the response was complete") }
        return JSONResponse.bytes(response, headers: headers)
    }
}
