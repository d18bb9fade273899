import AsyncHTTPClient
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SwitchyardCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Assembles the server: one upstream client, the model catalog, the API surfaces, and the
/// error middleware that answers every failure in the caller's dialect.
///
/// `reload` reads the configuration again (on SIGHUP): its upstreams, fallbacks and model
/// overrides then replace the running ones without dropping requests in flight.
public func buildApplication(
    configuration: SwitchyardConfiguration, logger: Logger,
    reload: (@Sendable () throws(ConfigurationError) -> SwitchyardConfiguration)? = nil
) throws(ConfigurationError) -> some ApplicationProtocol {
    // Labelled whenever a file names the upstreams, so a reload never changes a series' labels.
    let metrics = SwitchyardMetrics(upstreamLabel: !configuration.configuredUpstreams.isEmpty)
    return buildApplication(
        configuration: configuration, registry: try makeRegistry(configuration, metrics: metrics, logger: logger), metrics: metrics,
        logger: logger, reload: reload)
}

/// The upstreams of `configuration`, and the local models kept in its state directory.
func makeRegistry(_ configuration: SwitchyardConfiguration, metrics: SwitchyardMetrics? = nil, logger: Logger) throws(ConfigurationError)
    -> UpstreamRegistry
{
    let localModels =
        try configuration.stateDirectory.map { directory throws(ConfigurationError) in try LocalModelStore(directory: directory) }
        ?? LocalModelStore()
    return UpstreamRegistry(
        configuration.upstreamSpecs.map { Upstream(spec: $0, configuration: configuration, logger: logger) }, localModels: localModels,
        fallbacks: configuration.modelOverrides.mapValues(\.fallback), processes: configuration.processes,
        processLogs: (configuration.stateDirectory ?? FileManager.default.temporaryDirectory.path + "/switchyard") + "/logs", metrics: metrics,
        logger: logger)
}

func buildApplication(
    configuration: SwitchyardConfiguration, registry: UpstreamRegistry, metrics: SwitchyardMetrics, logger: Logger,
    reload: (@Sendable () throws(ConfigurationError) -> SwitchyardConfiguration)?
) -> some ApplicationProtocol {
    let router = Router(context: SwitchyardRequestContext.self)
    router.add(middleware: RequestLogMiddleware(metrics: metrics))
    // Outermost first: refuse foreign hosts and origins before anything else runs, render every
    // error in the caller's dialect (with CORS headers, so a browser can read it), then check
    // credentials; then, with several upstreams, find the one serving the request's model.
    if let hostCheck = configuration.hostCheck { router.add(middleware: HostCheckMiddleware(policy: hostCheck)) }
    router.add(middleware: CORSMiddleware(policy: configuration.cors, apiKeyHeader: configuration.auth.apiKeyHeader))
    router.add(middleware: DialectErrorMiddleware())
    router.add(middleware: HeaderLimitMiddleware())
    if configuration.auth.isEnabled { router.add(middleware: InboundAuthMiddleware(configuration.auth)) }
    router.add(middleware: ModelRoutingMiddleware(registry: registry, maximumBodySize: configuration.maximumBodySize))
    OllamaRoutes(
        configuration: configuration, registry: registry, loaded: LoadedModels(),
        startedAt: Timestamp.now().unixNanoseconds / 1_000_000_000
    ).register(on: router)
    OpenAIRoutes(registry: registry, maximumBodySize: configuration.maximumBodySize).register(on: router)
    AnthropicRoutes(registry: registry, maximumBodySize: configuration.maximumBodySize).register(on: router)
    ResponsesRoutes(registry: registry, maximumBodySize: configuration.maximumBodySize).register(on: router)
    var services: [any Service] = [
        UpstreamsService(registry: registry, configuration: configuration, reload: reload, logger: logger),
        DrainService(clients: { registry.clients }, timeout: configuration.drainTimeout, logger: logger),
    ]
    if let metricsListen = configuration.metricsListen {
        // A listener of its own, for a scraper on a private address; no credentials asked there.
        let metricsRouter = Router()
        metricsRouter.get("/metrics") { _, _ in metrics.response() }
        services.append(
            Application(
                router: metricsRouter, configuration: .init(address: .hostname(metricsListen.host, port: metricsListen.port), serverName: nil),
                logger: logger))
    } else {
        router.get("/metrics") { _, _ in metrics.response() }
    }
    return Application(
        router: router,
        // A deep accept queue: a burst of clients (a thousand streams opening at once) must not
        // wait out SYN retries, which cost seconds.
        server: .http1(configuration: HeaderLimitMiddleware.channelConfiguration(idleTimeout: configuration.idleTimeout)),
        configuration: .init(address: .hostname(configuration.listen.host, port: configuration.listen.port), serverName: nil, backlog: 4096),
        services: services,
        logger: logger)
}

extension SwitchyardMetrics {
    func response() -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: exposition())))
    }
}
