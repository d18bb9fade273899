import Logging

/// One upstream server and everything Switchyard keeps about it: its client (and so its own
/// connection pool), its dialect, its model list, which newer routes it serves itself.
final class Upstream: Sendable {
    let spec: UpstreamSpec
    let client: UpstreamClient
    let dialect: DialectResolver
    let catalog: ModelCatalog
    let native: NativeRouteProbe
    let forwarder: Forwarder
    let bridge: ChatBridge

    var name: String { spec.name }

    init(spec: UpstreamSpec, configuration: SwitchyardConfiguration, logger: Logger) {
        self.spec = spec
        client = UpstreamClient(configuration: configuration, spec: spec)
        dialect = DialectResolver(setting: spec.dialect, client: client, logger: logger)
        var overrides = configuration.modelOverrides
        for (name, capabilities) in configuration.capabilityOverrides { overrides[name, default: ModelOverride()].capabilities = capabilities }
        catalog = ModelCatalog(
            client: client, logger: logger, overrides: overrides, exposes: { [spec] in spec.exposes($0) }, dialect: dialect)
        native = NativeRouteProbe(client: client, dialect: dialect, setting: configuration.nativeRoutes, logger: logger)
        forwarder = Forwarder(client: client, maximumBodySize: configuration.maximumBodySize)
        bridge = ChatBridge(client: client, dialect: dialect)
    }
}
