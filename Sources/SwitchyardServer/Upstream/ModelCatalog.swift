import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import SwitchyardCore
import Synchronization

/// The upstream's models, fetched on demand and kept for a few seconds so a burst of requests
/// costs one `/v1/models` call. A name that is not in the cached list triggers one refresh
/// before it is declared unknown, so a model added upstream is found at once.
///
/// Not an actor: every Ollama request reads it, and a lock-protected read costs no executor hop.
public final class ModelCatalog: Sendable {
    private struct State {
        var cached: (models: [UpstreamModelInfo], at: ContinuousClock.Instant)?
        var refreshing: Task<[UpstreamModelInfo], any Error>?
        /// What a started upstream told of its declared models while it ran, by name.
        var learned: [String: UpstreamModelInfo] = [:]
    }

    private let client: UpstreamClient
    private let logger: Logger
    private let freshFor: Duration
    private let overrides: [String: ModelOverride]
    private let exposes: @Sendable (String) -> Bool
    /// An Ollama upstream is listed from its own `/api/tags` (older Ollamas have no `/v1/models`).
    private let dialect: DialectResolver?
    /// The names an upstream Switchyard starts serves, from the configuration: listed whether
    /// it runs or not, never asked of it.
    private let declared: [String]?
    private let state = Mutex(State())

    /// `overrides` are keyed by a model's Ollama name in lower case; `exposes` tells which of
    /// the upstream's model ids to list.
    init(
        client: UpstreamClient, logger: Logger, freshFor: Duration = .seconds(10), overrides: [String: ModelOverride] = [:],
        exposes: @escaping @Sendable (String) -> Bool = { _ in true }, dialect: DialectResolver? = nil, declared: [String]? = nil
    ) {
        self.dialect = dialect
        self.declared = declared
        self.client = client
        self.logger = logger
        self.freshFor = freshFor
        self.overrides = overrides
        self.exposes = exposes
    }

    public func models() async throws(RequestError) -> [UpstreamModelInfo] {
        if let cached = state.withLock({ $0.cached }), cached.at.duration(to: .now) < freshFor { return cached.models }
        return try await refresh()
    }

    /// The upstream model a client's name refers to (Ollama naming rules), or a 404 error.
    public func resolve(_ name: String) async throws(RequestError) -> UpstreamModelInfo {
        let known = try await models()
        if let model = Self.find(name, in: known) { return model }
        if let cached = state.withLock({ $0.cached }), cached.at.duration(to: .now) > .seconds(1),
            let model = Self.find(name, in: try await refresh())
        {
            return model
        }
        throw RequestError.modelNotFound(name)
    }

    private static func find(_ name: String, in models: [UpstreamModelInfo]) -> UpstreamModelInfo? {
        ModelName.resolve(name, among: models.map(\.id)).flatMap { id in models.first { $0.id == id } }
    }

    /// For an upstream Switchyard started, once it runs: what it tells of the models it was
    /// declared to serve (llama.cpp's `/props`: context length, tools, vision, thinking) is kept
    /// for the lists, `/api/show` and `/api/ps`, also after it stops. A declared name the
    /// upstream does not list takes the one model it serves, if it serves one.
    func learn() async {
        guard let declared else { return }
        let fetched: [UpstreamModelInfo]
        do {
            fetched = try await Self.fetch(client: client, logger: logger, dialect: dialect)
        } catch {
            logger.debug("a started upstream did not describe its models", metadata: ["error": "\(error)"])
            return
        }
        var learned: [String: UpstreamModelInfo] = [:]
        for name in declared {
            guard var model = fetched.first(where: { $0.id == name }) ?? (fetched.count == 1 ? fetched[0] : nil) else { continue }
            model.id = name
            learned[name] = model
        }
        state.withLock { state in
            state.learned.merge(learned) { $1 }
            state.cached = nil
        }
    }

    /// One fetch at a time: concurrent callers share the one in flight.
    private func refresh() async throws(RequestError) -> [UpstreamModelInfo] {
        let (client, logger, overrides, exposes, dialect, declared) = (client, logger, overrides, exposes, dialect, declared)
        let learned = state.withLock { $0.learned }
        let task = state.withLock { state in
            if let running = state.refreshing { return running }
            let task = Task {
                let listed: [UpstreamModelInfo]
                if let declared {
                    listed = declared.map { learned[$0] ?? UpstreamModelInfo(id: $0, ownedBy: "switchyard") }
                } else {
                    listed = try await Self.fetch(client: client, logger: logger, dialect: dialect)
                }
                // Configuration wins over what the upstream reveals (or does not).
                return listed.filter { exposes($0.id) }.map { model in
                    var model = model
                    guard let override = overrides[model.ollamaName.lowercased()] else { return model }
                    if let capabilities = override.capabilities {
                        model.capabilities = capabilities
                        model.capabilitiesKnown = true
                    }
                    if let length = override.contextLength { model.contextLength = length }
                    if let family = override.family { model.architecture = family }
                    return model
                }
            }
            state.refreshing = task
            return task
        }
        defer { state.withLock { if $0.refreshing == task { $0.refreshing = nil } } }
        do {
            let models = try await task.value
            state.withLock { $0.cached = (models, .now) }
            return models
        } catch let error as RequestError {
            throw error
        } catch {
            throw RequestError(.badGateway, "could not list upstream models: \(error)")
        }
    }

    /// The upstream's own list: an Ollama upstream's `/api/tags`, else `/v1/models`.
    private static func fetch(client: UpstreamClient, logger: Logger, dialect: DialectResolver?) async throws -> [UpstreamModelInfo] {
        await dialect?.current() == .ollama ? try await fetchOllama(client: client, logger: logger) : try await fetch(client: client, logger: logger)
    }

    private static func fetch(client: UpstreamClient, logger: Logger) async throws -> [UpstreamModelInfo] {
        let list = try await client.fetchJSON(OpenAIModelList.self, "/v1/models", logger: logger)
        // llama.cpp's `/props` tells the served context and the model's abilities; other
        // upstreams answer 404, which just means there is nothing more to learn.
        let props = try? await client.fetchJSON(JSONValue.self, "/props", logger: logger)
        return list.data.map { model in
            describe(model, props: list.data.count == 1 ? props : nil)
        }
    }

    private static func fetchOllama(client: UpstreamClient, logger: Logger) async throws -> [UpstreamModelInfo] {
        try await client.fetchJSON(OllamaTagsReply.self, "/api/tags", logger: logger).models.compactMap { model in
            guard let id = model.model ?? model.name, !id.isEmpty else { return nil }
            return UpstreamModelInfo(id: id, created: model.modifiedAt.flatMap(Timestamp.unixSeconds(rfc3339:)), ownedBy: "ollama")
        }
    }

    static func describe(_ model: OpenAIModelList.Model, props: JSONValue?) -> UpstreamModelInfo {
        let meta = model.meta ?? [:]
        func int(_ value: JSONValue?) -> Int? { value?.intValue.map { Int($0) } }
        let servedContext = int(props?["default_generation_settings"]?["n_ctx"]) ?? int(props?["n_ctx"])
        var capabilities = ["completion"]
        let templateCaps = props?["chat_template_caps"]
        if templateCaps?["supports_tools"]?.boolValue == true || templateCaps?["supports_tool_calls"]?.boolValue == true {
            capabilities.append("tools")
        }
        if props?["modalities"]?["vision"]?.boolValue == true { capabilities.append("vision") }
        if props?["chat_template"]?.stringValue?.contains("<think>") == true { capabilities.append("thinking") }
        if props?["embedding"]?.boolValue == true || props?["default_generation_settings"]?["embedding"]?.boolValue == true {
            capabilities = ["embedding"]
        }
        return UpstreamModelInfo(
            id: model.id, created: model.created,
            contextLength: servedContext ?? int(meta["n_ctx"]) ?? int(meta["n_ctx_train"]),
            parameterCount: meta["n_params"]?.intValue, sizeBytes: meta["size"]?.intValue,
            embeddingLength: int(meta["n_embd"]), architecture: props?["general.architecture"]?.stringValue,
            capabilities: capabilities, capabilitiesKnown: templateCaps != nil, acceptsTemplateKwargs: props != nil, ownedBy: model.ownedBy)
    }
}
