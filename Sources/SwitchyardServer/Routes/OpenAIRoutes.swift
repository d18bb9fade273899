import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import SwitchyardCore

/// The OpenAI surface. Over an OpenAI-compatible upstream it is a pass-through: the body is
/// checked (a malformed request gets a 400 in OpenAI's shape here, rather than whatever the
/// upstream makes of it) and then sent on byte for byte, and the answer is relayed as it comes.
/// Over an Ollama upstream each route is translated to Ollama's native API.
struct OpenAIRoutes: Sendable {
    typealias Context = SwitchyardRequestContext
    typealias Handler = @Sendable (Request, Context) async throws -> Response

    let registry: UpstreamRegistry
    let maximumBodySize: Int

    func register(on router: Router<Context>) {
        router.get("/v1/models", use: anthropicAware(merged(dispatch(forwardModels, translated: models), single: false), single: false))
        router.get("/v1/models/**", use: anthropicAware(merged(dispatch(forwardModel, translated: model), single: true), single: true))
        router.post("/v1/chat/completions", use: dispatch(forwardChecked("/v1/chat/completions"), translated: chat))
        router.post("/v1/completions", use: dispatch(forwardChecked("/v1/completions"), translated: completion))
        router.post("/v1/embeddings", use: dispatch(forwardChecked("/v1/embeddings"), translated: embeddings))
        // Some GitHub Copilot Chat builds posted to `/chat/completions` without `/v1`.
        router.post("/chat/completions", use: dispatch(forwardChecked("/v1/chat/completions"), translated: chat))
        for path in ["/v1/models", "/v1/models/**"] { router.refuseOtherMethods(on: RouterPath(path), allowing: [.get]) }
        for path in ["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/chat/completions"] {
            router.refuseOtherMethods(on: RouterPath(path), allowing: [.post])
        }
    }

    private func dispatch(_ passThrough: @escaping Handler, translated: @escaping Handler) -> Handler {
        { [registry] request, context in
            await registry.upstream(for: context).dialect.current() == .ollama
                ? try await translated(request, context) : try await passThrough(request, context)
        }
    }

    /// With several upstreams the model list is the merged one (`UpstreamRegistry.listing`).
    private func merged(_ handler: @escaping Handler, single: Bool) -> Handler {
        { [registry] request, context in
            guard !registry.listsAsIs else { return try await handler(request, context) }
            guard single else {
                return JSONResponse.bytes(Self.modelList(try await registry.listing().map(\.shown.openAIModelObject)))
            }
            let id = Self.modelID(request)
            var model = try await registry.resolve(id).model
            model.id = id
            RequestTrace.record { $0.model = id }
            return JSONResponse.bytes(model.openAIModelObject)
        }
    }

    /// `{"object":"list","data":[…]}` around model objects already written.
    static func modelList(_ objects: [[UInt8]]) -> [UInt8] {
        var bytes = Array(#"{"object":"list","data":["#.utf8)
        for (index, object) in objects.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes += object
        }
        return bytes + Array("]}".utf8)
    }

    private func forwardModels(_ request: Request, context: Context) async throws -> Response {
        try await registry.primary.forwarder.forward(request, context: context, body: nil)
    }

    /// `GET /v1/models/{id}`: the upstream's own answer when it has the route; llama-server
    /// has none (404), and then the entry of its model list answers, as Ollama's does.
    private func forwardModel(_ request: Request, context: Context) async throws -> Response {
        let upstream = registry.primary
        let response = try await upstream.forwarder.send(request, context: context, body: nil)
        guard response.status == .notFound else { return try await upstream.forwarder.relay(response, for: request) }
        _ = try? await response.body.collect(upTo: 1024 * 1024)  // read to the end, so the connection is reused
        let id = Self.modelID(request)
        guard let model = try await upstream.catalog.models().first(where: { $0.id == id }) else { throw RequestError.modelNotFound(id) }
        RequestTrace.record { $0.model = id }
        return JSONResponse.bytes(model.openAIModelObject)
    }

    /// The `{id}` of `/v1/models/{id}`, percent-decoded.
    static func modelID(_ request: Request) -> String {
        PercentDecoding.decode(String(request.uri.path.dropFirst("/v1/models/".count)))
    }

    private func forwardChecked(_ path: String) -> Handler {
        { [registry, maximumBodySize] request, context in
            var request = request
            let body = try await request.collectBody(limit: maximumBodySize)
            let envelope = try OpenAIRequestEnvelope.read(body)
            RequestTrace.record {
                $0.model = envelope.model
                $0.translation = "pass-through"
            }
            return try await registry.upstream(for: context).forwarder.forward(request, context: context, body: body, path: path)
        }
    }

}

/// The minimum every OpenAI request body must be: a JSON object naming a model.
struct OpenAIRequestEnvelope: Decodable {
    var model: String

    init(model: String) {
        self.model = model
    }

    /// The check runs on every pass-through request, so a well-formed body is read by the
    /// scanner; JSONDecoder only gets what the scanner would not answer for (and explains it).
    static func read(_ body: ByteBuffer) throws(RequestError) -> OpenAIRequestEnvelope {
        let model = body.withUnsafeReadableBytes { JSONScanner.topLevelString("model", in: $0.assumingMemoryBound(to: UInt8.self)) }
        if let model, !model.isEmpty { return OpenAIRequestEnvelope(model: model) }
        return try JSONCoding.decodeRequest(OpenAIRequestEnvelope.self, from: Array(body.readableBytesView))
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decode(String.self, forKey: .model)
        if model.isEmpty { throw RequestError(.badRequest, "'model' must not be empty") }
    }

    enum CodingKeys: String, CodingKey { case model }
}
