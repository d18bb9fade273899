import NIOHTTP1
import Hummingbird
import NIOCore
import SwitchyardCore

/// The OpenAI surface. Over an OpenAI-compatible upstream it is a pass-through: the body is
/// checked (a malformed request gets a 400 in OpenAI's shape here, rather than whatever the
/// upstream makes of it) and then sent on byte for byte, and the answer is relayed as it comes.
struct OpenAIRoutes: Sendable {
    typealias Context = SwitchyardRequestContext

    let forwarder: Forwarder
    let maximumBodySize: Int

    func register(on router: Router<Context>) {
        router.get("/v1/models") { request, context in
            try await forwarder.forward(request, context: context, body: nil)
        }
        router.get("/v1/models/**") { request, context in
            try await forwarder.forward(request, context: context, body: nil)
        }
        for path in ["/v1/chat/completions", "/v1/completions", "/v1/embeddings"] {
            router.post(RouterPath(path)) { request, context in
                try await forwardChecked(request, context: context, path: path)
            }
        }
        // Some GitHub Copilot Chat builds posted to `/chat/completions` without `/v1`.
        router.post("/chat/completions") { request, context in
            try await forwardChecked(request, context: context, path: "/v1/chat/completions")
        }
    }

    private func forwardChecked(_ request: Request, context: Context, path: String) async throws -> Response {
        var request = request
        let body = try await request.collectBody(limit: maximumBodySize)
        _ = try JSONCoding.decodeRequest(OpenAIRequestEnvelope.self, from: Array(body.readableBytesView))
        return try await forwarder.forward(request, context: context, body: body, path: path)
    }
}

/// The minimum every OpenAI request body must be: a JSON object naming a model.
struct OpenAIRequestEnvelope: Decodable {
    var model: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decode(String.self, forKey: .model)
        if model.isEmpty { throw RequestError(.badRequest, "'model' must not be empty") }
    }

    enum CodingKeys: String, CodingKey { case model }
}
