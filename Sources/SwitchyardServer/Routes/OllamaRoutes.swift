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
    let client: UpstreamClient
    let catalog: ModelCatalog
    let loaded: LoadedModels
    let dialect: DialectResolver
    let forwarder: Forwarder
    /// `modified_at` for models whose upstream gives no date: fixed for the process's life so
    /// listings are stable.
    let startedAt: Int64

    func register(on router: Router<Context>) {
        router.get("/") { _, _ in Self.running }
        router.head("/") { _, _ in Self.running }
        router.get("/api/version", use: version)
        router.head("/api/version", use: version)
        router.get("/api/tags", use: dispatch(tags))
        router.head("/api/tags", use: dispatch(tags))
        router.post("/api/show", use: dispatch(show))
        router.get("/api/ps", use: dispatch(ps))
        router.post("/api/chat", use: dispatch(chat))
        router.post("/api/generate", use: dispatch(generate))
        router.post("/api/embed", use: dispatch(embed))
        router.post("/api/embeddings", use: dispatch(embeddings))
        router.post("/api/pull", use: dispatch(unsupported("/api/pull", "pull models on the upstream server")))
        router.post("/api/push", use: dispatch(unsupported("/api/push", "push models from the upstream server")))
        router.post("/api/create", use: dispatch(unsupported("/api/create", "create models on the upstream server")))
        router.post("/api/copy", use: dispatch(unsupported("/api/copy", "name models on the upstream server (llama-server: --alias)")))
        router.delete("/api/delete", use: dispatch(unsupported("/api/delete", "remove models on the upstream server")))
        router.on("/api/blobs/{digest}", method: .head, use: dispatch(unsupported("/api/blobs", "upload model files to the upstream server")))
        router.post("/api/blobs/{digest}", use: dispatch(unsupported("/api/blobs", "upload model files to the upstream server")))
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

    /// Same dialect upstream: forward untouched. Otherwise: the translating handler.
    private func dispatch(_ translated: @escaping Handler) -> Handler {
        { [forwarder, dialect, configuration] request, context in
            guard await dialect.current() == .ollama else { return try await translated(request, context) }
            RequestTrace.record { $0.translation = "pass-through" }
            var request = request
            let body = request.method == .get || request.method == .head ? nil : try await request.collectBody(limit: configuration.maximumBodySize)
            return try await forwarder.forward(request, context: context, body: body)
        }
    }

    @Sendable func version(_ request: Request, context: Context) async throws -> Response {
        try JSONResponse.ok(["version": configuration.ollamaVersion])
    }

    private func unsupported(_ route: String, _ advice: String) -> Handler {
        { [client] _, _ in
            throw RequestError(
                .notImplemented,
                "\(route) is not supported: models behind Switchyard are managed by its OpenAI-compatible upstream (\(client.base)); \(advice)")
        }
    }

    /// Resolves the model a request names and records the use for `/api/ps`.
    func use(_ name: String, keepAlive: KeepAlive?) async throws(RequestError) -> (model: UpstreamModelInfo, start: Timestamp) {
        let model = try await resolve(name)
        RequestTrace.record {
            $0.model = name
            $0.translation = "ollama→openai"
        }
        let start = Timestamp.now()
        loaded.touch(model, keepAlive: keepAlive, nowUnixNanoseconds: start.unixNanoseconds)
        return (model, start)
    }

    /// The upstream model for a client's name; an empty name is the client's mistake.
    func resolve(_ name: String) async throws(RequestError) -> UpstreamModelInfo {
        guard !name.isEmpty else { throw RequestError(.badRequest, "model is required") }
        return try await catalog.resolve(name)
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
