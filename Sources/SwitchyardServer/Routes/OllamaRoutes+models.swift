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
        var shown = model.show(requestedName: show.model, fallbackUnixSeconds: startedAt)
        if let local = context.route?.derived ?? registry.localModels.model(named: show.model).flatMap({ $0.isDerived ? $0 : nil }) {
            local.derived.describe(&shown, from: local.from)
        }
        return try JSONResponse.ok(shown)
    }

    /// The models used recently on upstreams that load on their own terms, and exactly the
    /// running ones among those Switchyard starts, with when each will be stopped.
    @Sendable func ps(_ request: Request, context: Context) async throws -> Response {
        let now = Timestamp.now().unixNanoseconds
        var reply = loaded.running(nowUnixNanoseconds: now)
        for (upstream, expiresIn) in await registry.processes.running() {
            let expiresAt = now.addingSaturated(expiresIn.map(ModelProcesses.nanoseconds) ?? LoadedModels.foreverNanoseconds)
            for model in (try? await upstream.catalog.models()) ?? [] {
                reply.models.append(model.running(expiresAt: Timestamp.rfc3339(unixNanoseconds: expiresAt)))
            }
        }
        return try JSONResponse.ok(reply)
    }
}

extension OllamaRoutes {
    /// `/api/copy`: a new name for a model, kept by Switchyard (an Ollama upstream alone does
    /// its own copies). Copying an upstream's model makes an alias; copying a local model copies
    /// what it adds too, as Ollama copies a model whole.
    @Sendable func copy(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body = try await request.decodeBody([String: JSONValue].self, limit: configuration.maximumBodySize)
        guard let source = body["source"]?.stringValue, !source.isEmpty, let destination = body["destination"]?.stringValue,
            !destination.isEmpty
        else { throw RequestError(.badRequest, "source and destination are required") }
        try await checkNewName(destination)
        let model = try await localModel(from: source)
        try registry.localModels.set(destination, to: model)
        context.logger.notice("alias made", metadata: ["alias": "\(destination)", "model": "\(model.from)"])
        return Response(status: .ok)
    }

    /// `/api/create` in Ollama's JSON form: a model of Switchyard's own over `from`, with a
    /// system prompt, parameters and messages applied to every request through it (see
    /// `DerivedModel`). Model files, quantizing and adapters need Ollama itself.
    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body = try await request.decodeBody([String: JSONValue].self, limit: configuration.maximumBodySize)
        guard let name = (body["model"] ?? body["name"])?.stringValue, !name.isEmpty else { throw RequestError(.badRequest, "model is required") }
        for field in ["files", "adapters", "quantize", "modelfile"]
        where body[field].map({ $0 != .null && $0 != .object([:]) && $0 != .string("") }) ?? false {
            throw RequestError(
                .notImplemented,
                "/api/create with \(field) is not supported: Switchyard makes models from an existing one (from, system, parameters, messages); model files belong on the upstream server"
            )
        }
        guard let from = body["from"]?.stringValue, !from.isEmpty else {
            throw RequestError(.badRequest, "from is required: the model to derive from")
        }
        try await checkNewName(name)
        let base = try await localModel(from: from)
        let model = LocalModel(from: base.from, derived: try DerivedModel.create(body, over: base.derived))
        try registry.localModels.set(name, to: model)
        context.logger.notice("model made", metadata: ["model": "\(name)", "from": "\(model.from)"])
        var headers: HTTPFields = [:]
        var notes: [UntranslatedField] = []
        if model.template?.isEmpty == false {
            notes.append(UntranslatedField("template", "kept and shown; the upstream applies its own chat template"))
        }
        for field in ["license", "projectors"] where body[field].map({ $0 != .null }) ?? false {
            notes.append(UntranslatedField(field, "not kept: Switchyard makes no model files"))
        }
        UntranslatedFields.report(notes, into: &headers, logger: context.logger)
        guard body["stream"]?.boolValue ?? true else { return try JSONResponse.ok(["status": "success"], headers: headers) }
        headers[.contentType] = "application/x-ndjson"
        return Response(
            status: .ok, headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: "{\"status\":\"writing manifest\"}\n{\"status\":\"success\"}\n")))
    }

    /// `/api/delete`: removes a local model; the upstreams' own models are theirs to remove.
    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body = try await request.decodeBody([String: JSONValue].self, limit: configuration.maximumBodySize)
        guard let name = (body["model"] ?? body["name"])?.stringValue, !name.isEmpty else { throw RequestError(.badRequest, "model is required") }
        if try registry.localModels.remove(name) {
            context.logger.notice("model removed", metadata: ["model": "\(name)"])
            return Response(status: .ok)
        }
        if let owner = try? await registry.resolveModel(name) {
            throw RequestError(
                .upstream(status: 403),
                "'\(name)' is a model of upstream '\(owner.upstream.name)' (\(owner.upstream.client.base)); Switchyard deletes only the models it made with /api/copy and /api/create"
            )
        }
        throw RequestError.modelNotFound(name)
    }

    /// A name a client may give a new local model: printable, not too long, not an upstream's.
    private func checkNewName(_ name: String) async throws(RequestError) {
        guard name.count <= 256, name.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
            throw RequestError(.badRequest, "invalid model name '\(name)'")
        }
        if let owner = try? await registry.resolveModel(name) {
            throw RequestError(.badRequest, "'\(name)' is a model of upstream '\(owner.upstream.name)'; choose another name")
        }
    }

    /// What a new local model over `source` starts from: a local model's own settings, or an
    /// upstream's model by the name that reaches it.
    private func localModel(from source: String) async throws(RequestError) -> LocalModel {
        if var local = registry.localModels.model(named: source) {
            local.modifiedAt = Timestamp.now().unixNanoseconds / 1_000_000_000
            return local
        }
        let route = try await registry.resolveModel(source)
        return LocalModel(from: "\(route.upstream.name)/\(route.model.id)")
    }
}
