import Logging
import Synchronization

/// One upstream server and everything Switchyard keeps about it: its client (and so its own
/// connection pool), its dialect, its model list, which newer routes it serves itself.
final class Upstream: Sendable {
    let spec: UpstreamSpec
    /// The model overrides its catalog applies: a reload that changes neither these nor the
    /// spec keeps the upstream as it is, with its pool and cached list.
    let overrides: [String: ModelOverride]
    let client: UpstreamClient
    let dialect: DialectResolver
    let catalog: ModelCatalog
    let native: NativeRouteProbe
    let forwarder: Forwarder
    let bridge: ChatBridge
    let health = Health()

    var name: String { spec.name }

    /// Whether the upstream failed lately: one that refused a connection or answered 5xx is
    /// tried after the others for a back-off that doubles with each failure in a row (1 s up
    /// to 32 s), and is healthy again on its first success.
    final class Health: Sendable {
        private struct State {
            var failures = 0
            var until: ContinuousClock.Instant?
        }
        private let state = Mutex(State())

        var isHealthy: Bool { state.withLock { $0.until.map { ContinuousClock.now >= $0 } ?? true } }

        func failed() {
            state.withLock { state in
                state.failures = min(state.failures + 1, 6)
                state.until = .now + .seconds(1 << (state.failures - 1))
            }
        }

        func succeeded() { state.withLock { $0 = State() } }
    }

    /// The file's model overrides with `--model-capabilities` laid over them.
    static func overrides(in configuration: SwitchyardConfiguration) -> [String: ModelOverride] {
        var overrides = configuration.modelOverrides
        for (name, capabilities) in configuration.capabilityOverrides { overrides[name, default: ModelOverride()].capabilities = capabilities }
        return overrides
    }

    init(spec: UpstreamSpec, configuration: SwitchyardConfiguration, logger: Logger) {
        self.spec = spec
        client = UpstreamClient(configuration: configuration, spec: spec)
        dialect = DialectResolver(setting: spec.dialect, client: client, logger: logger)
        let overrides = Self.overrides(in: configuration)
        self.overrides = overrides
        catalog = ModelCatalog(
            client: client, logger: logger, overrides: overrides, exposes: { [spec] in spec.exposes($0) }, dialect: dialect,
            declared: spec.command == nil ? nil : spec.models)
        native = NativeRouteProbe(client: client, dialect: dialect, setting: configuration.nativeRoutes, logger: logger)
        forwarder = Forwarder(client: client, maximumBodySize: configuration.maximumBodySize)
        bridge = ChatBridge(client: client, dialect: dialect)
    }
}
