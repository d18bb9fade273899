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
    private let seenModels = Mutex<Set<String>>([])

    /// Label values come from clients; past this many distinct models they are pooled as
    /// `other`, so a client cannot blow up the series count.
    static let modelLabelLimit = 64

    static let routes: Set<String> = [
        "/", "/api/version", "/api/tags", "/api/show", "/api/ps", "/api/chat", "/api/generate", "/api/embed", "/api/embeddings",
        "/api/pull", "/api/push", "/api/create", "/api/copy", "/api/delete", "/v1/models", "/v1/chat/completions",
        "/v1/completions", "/v1/embeddings", "/chat/completions", "/metrics",
    ]

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        let latencyBuckets: [Duration] = [.milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300)]
        factory.defaultDurationHistogramBuckets = latencyBuckets
        self.factory = factory
        streamsInFlight = Meter(label: "switchyard_streams_in_flight", factory: factory)
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
        Counter(label: "switchyard_requests_total", dimensions: [("route", route), ("status", "\(status)"), ("model", model)], factory: factory)
            .increment()
        Timer(label: "switchyard_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            .recordNanoseconds(Int64(totalNanoseconds))
        if let firstByteNanoseconds {
            Timer(label: "switchyard_time_to_first_byte_seconds", dimensions: [("route", route)], factory: factory)
                .recordNanoseconds(Int64(firstByteNanoseconds))
        }
        if let error = facts.upstreamError {
            Counter(label: "switchyard_upstream_errors_total", dimensions: [("kind", error)], factory: factory).increment()
        }
        if let tokens = facts.promptTokens {
            Counter(label: "switchyard_tokens_total", dimensions: [("direction", "in"), ("model", model)], factory: factory).increment(by: tokens)
        }
        if let tokens = facts.completionTokens {
            Counter(label: "switchyard_tokens_total", dimensions: [("direction", "out"), ("model", model)], factory: factory).increment(by: tokens)
        }
    }

    /// The Prometheus text exposition.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}
