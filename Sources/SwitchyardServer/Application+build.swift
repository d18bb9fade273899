import AsyncHTTPClient
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SwitchyardCore

/// Assembles the server: one upstream client, the model catalog, the API surfaces, and the
/// error middleware that answers every failure in the caller's dialect.
public func buildApplication(
    configuration: SwitchyardConfiguration, logger: Logger
) throws(ConfigurationError) -> some ApplicationProtocol {
    let localModels =
        try configuration.stateDirectory.map { directory throws(ConfigurationError) in try LocalModelStore(directory: directory) }
        ?? LocalModelStore()
    let registry = UpstreamRegistry(
        configuration.upstreamSpecs.map { Upstream(spec: $0, configuration: configuration, logger: logger) }, localModels: localModels,
        fallbacks: configuration.modelOverrides.mapValues(\.fallback),
        logger: logger)
    let router = Router(context: SwitchyardRequestContext.self)
    let metrics = SwitchyardMetrics(upstreamLabel: !registry.isSingle)
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
        DrainService(clients: registry.upstreams.map(\.client), timeout: configuration.drainTimeout, logger: logger)
    ]
    services.insert(contentsOf: registry.upstreams.map { UpstreamClientService(client: $0.client, dialect: $0.dialect) }, at: 0)
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

/// Owns an upstream's client: detects the upstream's dialect at start-up (so the log says which
/// was chosen; an upstream still down is retried on the first request), and shuts the client
/// down after the HTTP server has drained (services stop in reverse order of start, and the
/// server is started last).
struct UpstreamClientService: Service {
    let client: UpstreamClient
    let dialect: DialectResolver

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { _ = await dialect.current() }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        // Already shut down if a shutdown's drain timeout ran out.
        if !client.drain.isExpired { await client.shutdown() }
    }
}
