import Logging
import SwitchyardCore
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The upstreams in routing order, and which of them serves a model.
///
/// Names: a model appears under its own name; when several upstreams expose the same name,
/// the first in order keeps it and the others' copies are listed as `upstream/model`. Any
/// model is also reachable as `upstream/model`, listed so or not.
///
/// A reload (`replace`) swaps the upstreams and fallbacks at once; a request keeps the
/// upstream it was routed to, and a dropped upstream's client is kept until exit.
final class UpstreamRegistry: Sendable {
    let localModels: LocalModelStore
    /// The processes of the upstreams Switchyard starts on demand.
    let processes: ModelProcesses
    private let logger: Logger

    private struct State {
        var upstreams: [Upstream]
        /// The configured `fallback:` names, by model name as `LocalModelStore.key` makes it.
        var fallbacks: [String: [String]]
        /// Dropped by reloads: still serving what was routed to them, shut down at exit.
        var retired: [Upstream] = []
    }
    private let state: Mutex<State>

    init(
        _ upstreams: [Upstream], localModels: LocalModelStore = LocalModelStore(), fallbacks: [String: [String]] = [:],
        processes: ProcessSettings = ProcessSettings(), processLogs: String = FileManager.default.temporaryDirectory.path + "/switchyard-logs",
        metrics: SwitchyardMetrics? = nil, logger: Logger
    ) {
        precondition(!upstreams.isEmpty, "a registry needs an upstream")
        state = Mutex(State(upstreams: upstreams, fallbacks: fallbacks.filter { !$0.value.isEmpty }))
        self.localModels = localModels
        self.processes = ModelProcesses(
            upstreams,
            settings: .init(
                maxLoaded: processes.maxLoaded, keepAlive: processes.keepAlive, stopGrace: processes.stopGrace,
                firstBackoff: processes.firstBackoff, logDirectory: processLogs),
            logger: logger, metrics: metrics)
        self.logger = logger
    }

    var upstreams: [Upstream] { state.withLock { $0.upstreams } }
    private var fallbacks: [String: [String]] { state.withLock { $0.fallbacks } }

    /// Every client to shut down at exit: the current upstreams' and the retired ones'.
    var clients: [UpstreamClient] { state.withLock { ($0.upstreams + $0.retired).map(\.client) } }

    /// Puts a reloaded configuration's upstreams in place; returns the ones it dropped.
    func replace(with upstreams: [Upstream], fallbacks: [String: [String]]) -> [Upstream] {
        precondition(!upstreams.isEmpty, "a registry needs an upstream")
        return state.withLock { state in
            let dropped = state.upstreams.filter { old in !upstreams.contains { $0 === old } }
            state.upstreams = upstreams
            state.fallbacks = fallbacks.filter { !$0.value.isEmpty }
            state.retired += dropped
            return dropped
        }
    }

    /// Whether the one upstream's own lists can be passed on as they are: nothing to merge in.
    var listsAsIs: Bool { isAlone && localModels.isEmpty }

    /// One upstream that runs on its own (not started by Switchyard): the routes that name no
    /// model (lists, `/api/ps`, model management) can go to it as they are.
    var isAlone: Bool { state.withLock { Self.isAlone($0) } }

    private static func isAlone(_ state: borrowing State) -> Bool { state.upstreams.count == 1 && state.upstreams[0].spec.command == nil }

    /// Whether every request can go to the one upstream with its body as it is: no local
    /// model and no fallback to route by.
    var routesAsIs: Bool {
        state.withLock { Self.isAlone($0) && $0.fallbacks.isEmpty } && localModels.isEmpty
    }

    /// The first upstream: the only one without `--config`, and the one that answers requests
    /// naming no model.
    var primary: Upstream { state.withLock { $0.upstreams[0] } }
    var isSingle: Bool { state.withLock { $0.upstreams.count == 1 } }

    /// The upstream a request goes to: the one serving the model it names, else the first.
    func upstream(for context: SwitchyardRequestContext) -> Upstream { context.route?.upstream ?? primary }

    /// Where a request naming a model goes.
    struct Route: Sendable {
        let upstream: Upstream
        let model: UpstreamModelInfo
        /// The model's name on its upstream, when the client's name was not it (a prefixed or
        /// a renamed one): the body sent on must carry this instead.
        var rename: String?
        /// The other upstreams serving the same name, to fail over to, healthy ones first.
        var alternatives: [Route] = []
        /// The derived model (`/api/create`) the client named, whose settings every request
        /// through it gets.
        var derived: LocalModel?

        /// This route and its alternatives, each reached by another name than its model's own
        /// (an alias, a derived model, a fallback): renamed, carrying `derived`, in order.
        func reached(carrying derived: LocalModel?) -> [Route] {
            ([self] + alternatives).map { candidate in
                var candidate = candidate
                candidate.rename = candidate.model.id
                candidate.derived = derived
                candidate.alternatives = []
                return candidate
            }
        }

        /// The first of `routes`, the others its alternatives.
        static func first(of routes: [Route]) -> Route? {
            guard var first = routes.first else { return nil }
            first.alternatives = Array(routes.dropFirst())
            return first
        }
    }

    /// One entry of the merged model list.
    struct Listed: Sendable {
        /// The name the list shows: the model's own, or `upstream/model`.
        let name: String
        let upstream: Upstream
        let model: UpstreamModelInfo

        /// The model as the list shows it.
        var shown: UpstreamModelInfo {
            var model = model
            model.id = name
            return model
        }
    }

    func resolve(_ name: String) async throws(RequestError) -> Route {
        guard !name.isEmpty else { throw RequestError(.badRequest, "model is required") }
        guard let fallback = fallbacks[LocalModelStore.key(name)] else { return try await resolveNamed(name) }
        // The configured fallbacks go after every upstream serving the name itself; they serve
        // too when none lists it (its upstream down).
        let found: Result<Route, RequestError>
        do { found = .success(try await resolveNamed(name)) } catch { found = .failure(error) }
        let derived = try? found.get().derived
        var extra: [Route] = []
        for other in fallback {
            if let route = try? await resolveModel(other) { extra += route.reached(carrying: derived) }
        }
        guard case .success(var route) = found else {
            guard let first = Route.first(of: extra) else {
                _ = try found.get()
                throw RequestError.modelNotFound(name)
            }
            return first
        }
        route.alternatives += extra
        return route
    }

    private func resolveNamed(_ name: String) async throws(RequestError) -> Route {
        // A local model stands for a model by the name that reaches it, never for another local model.
        if let local = localModels.model(named: name),
            let route = Route.first(of: try await resolveModel(local.from).reached(carrying: local.isDerived ? local : nil))
        {
            return route
        }
        return try await resolveModel(name)
    }

    /// A name as the upstreams know it, local models aside.
    func resolveModel(_ name: String) async throws(RequestError) -> Route {
        let upstreams = self.upstreams  // one configuration throughout, whatever a reload does meanwhile
        if let slash = name.firstIndex(of: "/"), let upstream = upstreams.first(where: { $0.name == name[..<slash] }) {
            let rest = String(name[name.index(after: slash)...])
            if let model = try? await upstream.catalog.resolve(rest) { return Route(upstream: upstream, model: model, rename: model.id) }
        }
        if upstreams.count == 1 { return Route(upstream: upstreams[0], model: try await upstreams[0].catalog.resolve(name), rename: nil) }
        var found: [Route] = []
        for upstream in upstreams {
            do {
                let model = try await upstream.catalog.resolve(name)
                found.append(Route(upstream: upstream, model: model, rename: model.id == name ? nil : model.id))
            } catch  where error.kind == .notFound {
                continue
            } catch {
                logger.warning("upstream skipped while resolving a model", metadata: ["upstream": "\(upstream.name)", "error": "\(error.message)"])
            }
        }
        // Config order, except that an upstream in its back-off goes after the healthy ones.
        let ordered = found.filter { $0.upstream.health.isHealthy } + found.filter { !$0.upstream.health.isHealthy }
        if var first = ordered.first {
            first.alternatives = Array(ordered.dropFirst())
            return first
        }
        throw RequestError.modelNotFound(name)
    }

    /// Every upstream's models, merged; an upstream that cannot be reached is logged and left
    /// out, never failing the list (unless it is the only one).
    func listing() async throws(RequestError) -> [Listed] {
        var listed = try await upstreamListing()
        for (name, local) in localModels.all {
            guard let route = try? await resolveModel(local.from) else { continue }  // its model is gone, or its upstream down
            var model = route.model
            if local.isDerived, let modified = local.modifiedAt { model.created = modified }
            listed.append(Listed(name: name, upstream: route.upstream, model: model))
        }
        return listed
    }

    private func upstreamListing() async throws(RequestError) -> [Listed] {
        let upstreams = self.upstreams
        if upstreams.count == 1 { return try await upstreams[0].catalog.models().map { Listed(name: $0.id, upstream: upstreams[0], model: $0) } }
        var taken: Set<String> = []
        var listed: [Listed] = []
        for upstream in upstreams {
            let models: [UpstreamModelInfo]
            do {
                models = try await upstream.catalog.models()
            } catch {
                logger.warning("upstream left out of the model list", metadata: ["upstream": "\(upstream.name)", "error": "\(error.message)"])
                continue
            }
            for model in models {
                let plain = taken.insert(model.ollamaName.lowercased()).inserted
                listed.append(Listed(name: plain ? model.id : "\(upstream.name)/\(model.id)", upstream: upstream, model: model))
            }
        }
        return listed
    }
}
