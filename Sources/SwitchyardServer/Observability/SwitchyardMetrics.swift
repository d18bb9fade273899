import CoreMetrics
import Metrics
import Prometheus
import Synchronization

/// Switchyard's metrics, recorded through swift-metrics into a Prometheus registry owned by this
/// server (not the process-wide bootstrap, so several servers in one process stay apart), and
/// exposed in Prometheus' text format at `/metrics`.
public final class SwitchyardMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let streamsInFlight: Meter
    private let processesRunning: Meter
    private let seenModels = Mutex<Set<String>>([])

    /// Label values come from clients; past this many distinct models they are pooled as
    /// `other`, so a client cannot blow up the series count.
    static let modelLabelLimit = 64

    static let routes: Set<String> = [
        "/", "/api/version", "/api/tags", "/api/show", "/api/ps", "/api/chat", "/api/generate", "/api/embed", "/api/embeddings",
        "/api/pull", "/api/push", "/api/create", "/api/copy", "/api/delete", "/v1/models", "/v1/chat/completions",
        "/v1/completions", "/v1/embeddings", "/chat/completions", "/metrics", "/v1/messages", "/v1/messages/count_tokens", "/v1/responses",
    ]

    /// With several upstreams, every request series also says which upstream served it (the
    /// same label names on every series of a metric, as Prometheus requires).
    let upstreamLabel: Bool

    public init(upstreamLabel: Bool = false) {
        self.upstreamLabel = upstreamLabel
        var factory = PrometheusMetricsFactory(registry: registry)
        let latencyBuckets: [Duration] = [
            .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
        ]
        factory.defaultDurationHistogramBuckets = latencyBuckets
        self.factory = factory
        streamsInFlight = Meter(label: "switchyard_streams_in_flight", factory: factory)
        processesRunning = Meter(label: "switchyard_model_processes", factory: factory)
    }

    func route(_ path: String) -> String {
        if Self.routes.contains(path) { return path }
        if path.hasPrefix("/v1/models/") { return "/v1/models/{id}" }
        if path.hasPrefix("/api/blobs/") { return "/api/blobs/{digest}" }
        return "other"
    }

    func model(_ name: String?) -> String {
        guard let name else { return "" }
        return seenModels.withLock { seen in
            if seen.contains(name) { return name }
            guard seen.count < Self.modelLabelLimit else { return "other" }
            seen.insert(name)
            return name
        }
    }

    func streamStarted() { streamsInFlight.increment() }
    func streamEnded() { streamsInFlight.decrement() }

    func finished(path: String, status: Int, facts: RequestTrace.Facts, totalNanoseconds: UInt64, firstByteNanoseconds: UInt64?) {
        let route = route(path)
        let model = model(facts.model)
        // Bounded: upstream names come from the configuration.
        let upstream = upstreamLabel ? [("upstream", facts.upstream ?? "")] : []
        counter("switchyard_requests_total", [("route", route), ("status", String(status)), ("model", model)] + upstream).increment()
        timer("switchyard_request_duration_seconds", route: route).recordNanoseconds(Int64(clamping: totalNanoseconds))
        if let firstByteNanoseconds {
            timer("switchyard_time_to_first_byte_seconds", route: route).recordNanoseconds(Int64(clamping: firstByteNanoseconds))
        }
        if let error = facts.upstreamError {
            counter("switchyard_upstream_errors_total", [("kind", error)] + upstream).increment()
        }
        // Counts come from the upstream; a Prometheus counter traps on a negative increment.
        if let tokens = facts.promptTokens, tokens > 0 {
            counter("switchyard_tokens_total", [("direction", "in"), ("model", model)] + upstream).increment(by: tokens)
        }
        if let tokens = facts.completionTokens, tokens > 0 {
            counter("switchyard_tokens_total", [("direction", "out"), ("model", model)] + upstream).increment(by: tokens)
        }
    }

    /// A started upstream became ready after `nanoseconds`.
    func modelLoaded(upstream: String, nanoseconds: Int64) {
        counter("switchyard_model_loads_total", [("upstream", upstream)]).increment()
        Self.handle(in: timers, HandleKey(label: "switchyard_model_load_seconds", dimensions: [upstream])) {
            Timer(label: "switchyard_model_load_seconds", dimensions: [("upstream", upstream)], factory: factory)
        }.recordNanoseconds(nanoseconds)
    }

    /// A started upstream stopped: `idle`, `request` (`keep_alive: 0`), `evicted` (for another,
    /// over `max_loaded`), `crashed`, `start_failed`, `reload` or `shutdown`.
    func modelUnloaded(upstream: String, reason: String) {
        counter("switchyard_model_unloads_total", [("upstream", upstream), ("reason", reason)]).increment()
    }

    /// How many started upstreams run (starting, ready or stopping).
    func modelProcesses(running: Int) { processesRunning.set(running) }

    /// Handles are kept once made: resolving one by its labels in the registry took a lock and
    /// built the label set on every request. Label values are bounded (routes, statuses, the
    /// model limit above), so the cache is too.
    private struct HandleKey: Hashable {
        let label: String
        let dimensions: [String]
    }

    private let counters = Mutex<[HandleKey: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[HandleKey: CoreMetrics.Timer]>([:])

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        Self.handle(in: counters, HandleKey(label: label, dimensions: dimensions.map(\.1))) {
            Counter(label: label, dimensions: dimensions, factory: factory)
        }
    }

    private func timer(_ label: String, route: String) -> CoreMetrics.Timer {
        Self.handle(in: timers, HandleKey(label: label, dimensions: [route])) {
            Timer(label: label, dimensions: [("route", route)], factory: factory)
        }
    }

    /// The cached handle, made under the lock the first time so it is made once.
    private static func handle<Handle>(
        in cache: borrowing Mutex<[HandleKey: Handle]>, _ key: HandleKey, make: () -> Handle
    ) -> Handle {
        cache.withLock { handles in
            if let handle = handles[key] { return handle }
            let handle = make()
            handles[key] = handle
            return handle
        }
    }

    /// The Prometheus text exposition.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}
