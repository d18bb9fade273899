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
) -> some ApplicationProtocol {
    let client = UpstreamClient(configuration: configuration)
    let forwarder = Forwarder(client: client, maximumBodySize: configuration.maximumBodySize)
    let dialect = DialectResolver(setting: configuration.upstreamDialect, client: client, logger: logger)
    let router = Router(context: SwitchyardRequestContext.self)
    let metrics = SwitchyardMetrics()
    router.add(middleware: RequestLogMiddleware(metrics: metrics))
    // Outermost first: refuse foreign hosts and origins before anything else runs, render every
    // error in the caller's dialect (with CORS headers, so a browser can read it), then check
    // credentials.
    if let hostCheck = configuration.hostCheck { router.add(middleware: HostCheckMiddleware(policy: hostCheck)) }
    router.add(middleware: CORSMiddleware(policy: configuration.cors, apiKeyHeader: configuration.auth.apiKeyHeader))
    router.add(middleware: DialectErrorMiddleware())
    router.add(middleware: HeaderLimitMiddleware())
    if configuration.auth.isEnabled { router.add(middleware: InboundAuthMiddleware(configuration.auth)) }
    let catalog = ModelCatalog(client: client, logger: logger, capabilityOverrides: configuration.capabilityOverrides)
    OllamaRoutes(
        configuration: configuration, client: client, catalog: catalog, loaded: LoadedModels(), dialect: dialect, forwarder: forwarder,
        startedAt: Timestamp.now().unixNanoseconds / 1_000_000_000
    ).register(on: router)
    OpenAIRoutes(forwarder: forwarder, client: client, catalog: catalog, dialect: dialect, maximumBodySize: configuration.maximumBodySize)
        .register(on: router)
    let bridge = ChatBridge(client: client, dialect: dialect)
    let native = NativeRouteProbe(client: client, dialect: dialect, setting: configuration.nativeRoutes, logger: logger)
    AnthropicRoutes(forwarder: forwarder, bridge: bridge, native: native, maximumBodySize: configuration.maximumBodySize).register(on: router)
    ResponsesRoutes(forwarder: forwarder, bridge: bridge, native: native, maximumBodySize: configuration.maximumBodySize).register(on: router)
    var services: [any Service] = [
        UpstreamClientService(client: client, dialect: dialect),
        DrainService(client: client, timeout: configuration.drainTimeout, logger: logger),
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

/// Owns the upstream client: detects the upstream's dialect at start-up (so the log says which
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
