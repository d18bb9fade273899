import Hummingbird
import NIOHTTP1
import SwitchyardCore

extension OllamaRoutes {
    @Sendable func tags(_ request: Request, context: Context) async throws -> Response {
        let models = try await registry.listing()
        return try JSONResponse.ok(OllamaTagsResponse(models: models.map { $0.shown.tagsEntry(fallbackUnixSeconds: startedAt) }))
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let show = try await request.decodeBody(OllamaShowRequest.self, limit: configuration.maximumBodySize)
        let model = try await resolve(show.model, context: context)
        return try JSONResponse.ok(model.show(requestedName: show.model, fallbackUnixSeconds: startedAt))
    }

    @Sendable func ps(_ request: Request, context: Context) async throws -> Response {
        try JSONResponse.ok(loaded.running(nowUnixNanoseconds: Timestamp.now().unixNanoseconds))
    }
}
