import Hummingbird
import Logging
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

extension OllamaRoutes {
    /// `/api/copy`: a new name for a model, kept by Switchyard (an Ollama upstream alone does
    /// its own copies). The alias stands for the source by the name that reaches it on its
    /// upstream, so it keeps meaning the same model when lists change.
    @Sendable func copy(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body = try await request.decodeBody([String: JSONValue].self, limit: configuration.maximumBodySize)
        guard let source = body["source"]?.stringValue, !source.isEmpty, let destination = body["destination"]?.stringValue,
            !destination.isEmpty
        else { throw RequestError(.badRequest, "source and destination are required") }
        guard destination.count <= 256, destination.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
            throw RequestError(.badRequest, "invalid model name '\(destination)'")
        }
        if let owner = try? await registry.resolveModel(destination) {
            throw RequestError(.badRequest, "'\(destination)' is a model of upstream '\(owner.upstream.name)'; copy to another name")
        }
        let target: String
        if let aliased = registry.aliases.target(of: source) {
            target = aliased
        } else {
            let route = try await registry.resolveModel(source)
            target = "\(route.upstream.name)/\(route.model.id)"
        }
        try registry.aliases.set(destination, to: target)
        context.logger.notice("alias made", metadata: ["alias": "\(destination)", "model": "\(target)"])
        return Response(status: .ok)
    }

    /// `/api/delete`: removes an alias; the upstreams' own models are theirs to remove.
    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body = try await request.decodeBody([String: JSONValue].self, limit: configuration.maximumBodySize)
        guard let name = (body["model"] ?? body["name"])?.stringValue, !name.isEmpty else { throw RequestError(.badRequest, "model is required") }
        if try registry.aliases.remove(name) {
            context.logger.notice("alias removed", metadata: ["alias": "\(name)"])
            return Response(status: .ok)
        }
        if let owner = try? await registry.resolveModel(name) {
            throw RequestError(
                .upstream(status: 403),
                "'\(name)' is a model of upstream '\(owner.upstream.name)' (\(owner.upstream.client.base)); Switchyard deletes only the names it made with /api/copy"
            )
        }
        throw RequestError.modelNotFound(name)
    }
}
