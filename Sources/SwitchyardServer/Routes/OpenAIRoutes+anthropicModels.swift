import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import SwitchyardCore

/// `GET /v1/models` and `/v1/models/{id}` are also the Anthropic API's paths. A request that
/// carries `anthropic-version` (every Anthropic client sends it) gets the list in Anthropic's
/// shape, from the same models, whatever the upstream's dialect.
extension OpenAIRoutes {
    static let anthropicVersion = HTTPField.Name("anthropic-version")!

    func anthropicAware(_ handler: @escaping Handler, single: Bool) -> Handler {
        { request, context in
            guard request.headers[Self.anthropicVersion] != nil else { return try await handler(request, context) }
            let models = try await modelSummaries(context: context)
            guard single else { return JSONResponse.bytes(AnthropicModelList.list(models)) }
            let id = Self.modelID(request)
            guard let model = models.first(where: { $0.id == id }) else { throw RequestError.modelNotFound(id) }
            RequestTrace.record { $0.model = id }
            return JSONResponse.bytes(AnthropicModelList.entry(id: model.id, createdUnixSeconds: model.createdUnixSeconds))
        }
    }

    private func modelSummaries(context: Context) async throws -> [(id: String, createdUnixSeconds: Int64)] {
        guard registry.listsAsIs, await registry.primary.dialect.current() == .ollama else {
            return try await registry.listing().map { ($0.name, $0.model.createdUnixSeconds) }
        }
        return try await ollamaTags(context: context).map { model in
            (model.model ?? model.name ?? "", model.modifiedAt.flatMap(Timestamp.unixSeconds(rfc3339:)) ?? 0)
        }
    }
}
