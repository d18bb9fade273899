import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import SwitchyardCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The Ollama surface: the 13 routes Ollama clients call. Over an Ollama upstream every route
/// is forwarded as it is; over an OpenAI-compatible upstream each is translated.
struct OllamaRoutes: Sendable {
    typealias Context = SwitchyardRequestContext
    typealias Handler = @Sendable (Request, Context) async throws -> Response

    let configuration: SwitchyardConfiguration
    let registry: UpstreamRegistry
    let loaded: LoadedModels
    /// `modified_at` for models whose upstream gives no date: fixed for the process's life so
    /// listings are stable.
    let startedAt: Int64

    func register(on router: Router<Context>) {
        router.get("/") { _, _ in Self.running }
        router.head("/") { _, _ in Self.running }
        router.get("/api/version", use: version)
        router.head("/api/version", use: version)
        router.get("/api/tags", use: dispatch(tags, namesModel: false))
        router.head("/api/tags", use: dispatch(tags, namesModel: false))
        router.post("/api/show", use: dispatch(show, answeredHereFor: \.isDerived))
        router.get("/api/ps", use: dispatch(ps, namesModel: false))
        router.post("/api/chat", use: dispatch(chat))
        router.post("/api/generate", use: dispatch(generate))
        router.post("/api/embed", use: dispatch(embed))
        router.post("/api/embeddings", use: dispatch(embeddings))
        router.post("/api/pull", use: dispatch(onOllama("/api/pull", "pull models on the upstream server"), namesModel: false))
        router.post("/api/push", use: dispatch(onOllama("/api/push", "push models from the upstream server"), namesModel: false))
        router.post("/api/create", use: dispatch(create, namesModel: false))
        router.post("/api/copy", use: dispatch(copy, namesModel: false))
        router.delete("/api/delete", use: dispatch(delete, namesModel: false))
        router.on(
            "/api/blobs/{digest}", method: .head,
            use: dispatch(unsupported("/api/blobs", "upload model files to the upstream server"), namesModel: false))
        router.post("/api/blobs/{digest}", use: dispatch(unsupported("/api/blobs", "upload model files to the upstream server"), namesModel: false))
        for (path, methods) in Self.methods { router.refuseOtherMethods(on: RouterPath(path), allowing: methods) }
    }

    /// Every route and the methods it takes.
    static let methods: [(String, [HTTPRequest.Method])] = [
        ("/", [.get, .head]), ("/api/version", [.get, .head]), ("/api/tags", [.get, .head]), ("/api/ps", [.get]),
        ("/api/show", [.post]), ("/api/chat", [.post]), ("/api/generate", [.post]), ("/api/embed", [.post]),
        ("/api/embeddings", [.post]), ("/api/pull", [.post]), ("/api/push", [.post]), ("/api/create", [.post]),
        ("/api/copy", [.post]), ("/api/delete", [.delete]), ("/api/blobs/{digest}", [.head, .post]),
    ]

    static var running: Response {
        Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "Ollama is running")))
    }

    /// Same dialect upstream: forward untouched. Otherwise: the translating handler. A route
    /// that names no model goes to the one upstream as it is only when there is one: with
    /// several, lists are merged and the rest answered here.
    /// `answeredHereFor`: which local models the route answers for itself even over an Ollama
    /// upstream (that knows nothing of them).
    private func dispatch(
        _ translated: @escaping Handler, namesModel: Bool = true, answeredHereFor local: @escaping @Sendable (LocalModel) -> Bool = { _ in false }
    ) -> Handler {
        { [registry, configuration] request, context in
            let upstream = registry.upstream(for: context)
            guard namesModel || registry.isAlone, !(context.route?.derived.map(local) ?? false),
                await upstream.dialect.current() == .ollama
            else {
                return try await translated(request, context)
            }
            RequestTrace.record { $0.translation = "pass-through" }
            var request = request
            let body = request.method == .get || request.method == .head ? nil : try await request.collectBody(limit: configuration.maximumBodySize)
            return try await upstream.forwarder.forward(request, context: context, body: body)
        }
    }

    @Sendable func version(_ request: Request, context: Context) async throws -> Response {
        try JSONResponse.ok(["version": configuration.ollamaVersion])
    }

    /// `/api/pull` and `/api/push` among several upstreams: to the Ollama upstream the name's
    /// `upstream/` prefix names, else the first Ollama upstream, its progress streamed as sent.
    private func onOllama(_ route: String, _ advice: String) -> Handler {
        { [registry, configuration] request, context in
            var request = request
            let body = try await request.collectBody(limit: configuration.maximumBodySize)
            var ollama: [Upstream] = []
            for upstream in registry.upstreams where await upstream.dialect.current() == .ollama { ollama.append(upstream) }
            guard !registry.isSingle, let first = ollama.first else { return try await unsupported(route, advice)(request, context) }
            var target = first
            var sent = body
            if let (key, name) = ModelRoutingMiddleware.namedModel(in: body), let slash = name.firstIndex(of: "/"),
                let named = ollama.first(where: { $0.name == name[..<slash] })
            {
                target = named
                sent = ModelRoutingMiddleware.body(body, naming: String(name[name.index(after: slash)...]), at: key) ?? body
            }
            RequestTrace.record {
                $0.upstream = target.name
                $0.translation = "pass-through"
            }
            return try await target.forwarder.forward(request, context: context, body: sent)
        }
    }

    private func unsupported(_ route: String, _ advice: String) -> Handler {
        { [registry] _, _ in
            let servers = registry.upstreams.map { "\($0.client.base)" }.joined(separator: ", ")
            throw RequestError(
                .notImplemented,
                "\(route) is not supported: models behind Switchyard are managed by its upstream servers (\(servers)); \(advice)")
        }
    }

    /// Resolves the model a request names and records the use for `/api/ps`.
    func use(_ name: String, keepAlive: KeepAlive?, context: Context) async throws(RequestError) -> (model: UpstreamModelInfo, start: Timestamp) {
        let model = try await resolve(name, context: context)
        RequestTrace.record {
            $0.model = name
            $0.translation = "ollama→openai"
        }
        let start = Timestamp.now()
        // A process Switchyard started is listed by /api/ps while it runs, not by its use.
        if context.route?.upstream.spec.command == nil { loaded.touch(model, keepAlive: keepAlive, nowUnixNanoseconds: start.unixNanoseconds) }
        return (model, start)
    }

    /// The upstream model for a client's name (found already when several upstreams made the
    /// request be routed by it); an empty name is the client's mistake.
    func resolve(_ name: String, context: Context) async throws(RequestError) -> UpstreamModelInfo {
        if let route = context.route { return route.model }
        return try await registry.resolve(name).model
    }
}

enum JSONResponse {
    static func ok(_ value: some Encodable, headers: HTTPFields = [:]) throws -> Response {
        bytes(try JSONCoding.encoder().encode(value).map { $0 }, headers: headers)
    }

    static func bytes(_ bytes: [UInt8], headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
