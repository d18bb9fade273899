import Hummingbird
import Logging
import NIOCore
import SwitchyardCore

/// With several upstreams: reads the model a request names, finds the upstream that serves it
/// (`UpstreamRegistry.resolve`) and puts the route in the context, so each surface forwards or
/// translates according to that upstream's dialect. A model reached by another name than its
/// upstream's (`upstream/model`) has its name in the body replaced, and nothing else: a
/// pass-through stays byte for byte around it. A derived model's settings (`/api/create`) are
/// laid over the body in the client's dialect, so whatever follows sees an ordinary request.
/// With one upstream and no local models it steps aside.
struct ModelRoutingMiddleware: RouterMiddleware {
    typealias Context = SwitchyardRequestContext

    let registry: UpstreamRegistry
    let maximumBodySize: Int

    /// The routes whose body names a model.
    static let paths: Set<String> = [
        "/api/chat", "/api/generate", "/api/embed", "/api/embeddings", "/api/show", "/v1/chat/completions", "/chat/completions",
        "/v1/completions", "/v1/embeddings", "/v1/messages", "/v1/messages/count_tokens", "/v1/responses",
    ]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post, !registry.routesAsIs, Self.paths.contains(request.uri.path) else { return try await next(request, context) }
        var request = request
        let body = try await request.collectBody(limit: maximumBodySize)
        // No model: the route's own check refuses it.
        guard let (key, name) = Self.namedModel(in: body), !name.isEmpty else { return try await next(request, context) }
        let route = try await registry.resolve(name)
        let derived = try route.derived.flatMap { local throws(RequestError) in
            try Self.derivedBody(body, applying: local.derived, path: request.uri.path, key: key)
        }
        let candidates = [route] + route.alternatives
        let intent = candidates.contains { $0.upstream.spec.command != nil } ? ProcessIntent(path: request.uri.path, body: body) : nil
        func send(_ candidate: UpstreamRegistry.Route) async throws -> Response {
            var attempt = request
            var routed = context
            routed.route = candidate
            RequestTrace.record { $0.upstream = candidate.upstream.name }
            if let derived {
                attempt.body = .init(buffer: Self.body(derived.body, naming: candidate.rename ?? name, at: key) ?? derived.body)
            } else if let rename = candidate.rename, let renamed = Self.body(body, naming: rename, at: key) {
                attempt.body = .init(buffer: renamed)
            }
            let step = try await processStep(for: candidate.upstream, path: request.uri.path, intent: intent, model: name)
            if case .answered(let response) = step { return response }
            var response = try await next(attempt, routed)
            if let derived { UntranslatedFields.report(derived.notes, into: &response.headers, logger: context.logger) }
            if case .leased(let lease) = step { response = lease.holding(response) }
            return response
        }
        // Failover happens before the first byte reaches the client: on an error thrown before
        // a response, or an error status, never once a stream has begun.
        for candidate in candidates.dropLast() {
            do {
                let response = try await send(candidate)
                guard response.status.code >= 500 else {
                    candidate.upstream.health.succeeded()
                    return response
                }
                failOver(from: candidate, reason: "answered \(response.status.code)", context: context)
            } catch let error as RequestError where error.status >= 500 {
                failOver(from: candidate, reason: error.message, context: context)
            }
        }
        let last = candidates[candidates.count - 1]
        do {
            let response = try await send(last)
            if response.status.code < 500 { last.upstream.health.succeeded() } else { last.upstream.health.failed() }
            return response
        } catch let error as RequestError where error.status >= 500 {
            last.upstream.health.failed()
            throw error
        }
    }

    private enum ProcessStep {
        case notStarted
        case leased(ProcessLease)
        /// An unload, answered without starting anything.
        case answered(Response)
    }

    /// For an upstream Switchyard starts: starts it if needed and holds it for the request, or
    /// stops it for an unload request (`keep_alive: 0` and nothing to generate), answered as
    /// Ollama answers one.
    private func processStep(for upstream: Upstream, path: String, intent: ProcessIntent?, model: String) async throws(RequestError) -> ProcessStep {
        guard upstream.spec.command != nil, let intent else { return .notStarted }
        // Ollama's /api/show loads nothing, and clients call it for every model they list:
        // answered from the configuration, unless only the upstream itself can answer it.
        if path == "/api/show", upstream.spec.dialect != .ollama { return .notStarted }
        let processes = registry.processes
        if intent.unloadOnly {
            await processes.unload(upstream)
            let kind: OllamaReplyKind = path == "/api/chat" ? .chat : .generate
            return .answered(JSONResponse.bytes(kind.loadReply(model: model, at: Timestamp.now(), unload: true)))
        }
        try await processes.acquire(upstream)
        return .leased(ProcessLease(processes, upstream, keepAlive: intent.keepAlive))
    }

    private func failOver(from route: UpstreamRegistry.Route, reason: String, context: Context) {
        route.upstream.health.failed()
        context.logger.warning(
            "upstream failed before answering; trying the next one serving the model",
            metadata: ["upstream": "\(route.upstream.name)", "model": "\(route.model.id)", "reason": "\(reason)"])
    }

    /// `body` with a derived model's settings applied, for a route where they mean something;
    /// nil when the body is not a JSON object (the route's own decoding then refuses it).
    static func derivedBody(
        _ body: ByteBuffer, applying derived: DerivedModel, path: String, key: String
    ) throws(RequestError) -> (body: ByteBuffer, notes: [UntranslatedField])? {
        guard derived.changesRequests, let surface = DerivedModel.Surface(path: path),
            case .object(var object)? = try? JSONCoding.decodeRequest(JSONValue.self, from: Array(body.readableBytesView))
        else { return nil }
        let notes = try derived.apply(to: &object, on: surface)
        guard let bytes = JSONValue.object(object).encodedBytes() else { return nil }
        return (ByteBuffer(bytes: bytes), notes)
    }

    /// The model a body names, and the key it is under: `model`, else the older `name`
    /// (`/api/show`, `/api/pull`).
    static func namedModel(in body: ByteBuffer) -> (key: String, name: String)? {
        for key in ["model", "name"] {
            if let name = body.withUnsafeReadableBytes({ JSONScanner.topLevelString(key, in: $0.assumingMemoryBound(to: UInt8.self)) }) {
                return (key, name)
            }
        }
        return nil
    }

    /// `body` with the string value of its top-level `key` replaced by `name`.
    static func body(_ body: ByteBuffer, naming name: String, at key: String) -> ByteBuffer? {
        guard let range = body.withUnsafeReadableBytes({ JSONScanner.topLevelStringRange(key, in: $0.assumingMemoryBound(to: UInt8.self)) }),
            let literal = JSONValue.string(name).encodedBytes()
        else { return nil }
        let bytes = body.readableBytesView
        var renamed = ByteBuffer()
        renamed.reserveCapacity(bytes.count - range.count + literal.count)
        renamed.writeBytes(bytes.prefix(range.lowerBound))
        renamed.writeBytes(literal)
        renamed.writeBytes(bytes.dropFirst(range.upperBound))
        return renamed
    }
}
