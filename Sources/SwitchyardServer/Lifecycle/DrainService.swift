import AsyncHTTPClient
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Whether the drain timeout of a shutdown has run out: relays read it to tell a stream cut by
/// the shutdown from one the upstream broke.
public final class DrainState: Sendable {
    private let expired = Atomic<Bool>(false)

    public init() {}

    public var isExpired: Bool { expired.load(ordering: .relaxed) }
    func expire() { expired.store(true, ordering: .relaxed) }
}

/// Bounds a graceful shutdown. On SIGTERM or SIGINT, ServiceLifecycle shuts the HTTP server
/// down gracefully: it stops accepting, closes idle connections and lets requests in flight
/// finish — however long a stream runs. This service hears the same signal and, once
/// `timeout` has passed, shuts the upstream client down: every upstream request still open is
/// cancelled, and each relay ends its client's stream with an error in the client's dialect
/// (an error line or event, or a broken-off body) instead of leaving it hanging. The server's
/// drain then completes and the process exits 0.
///
/// It listens to the signals itself because ServiceLifecycle tells services of a shutdown one
/// at a time, in reverse order, and would tell this one only after the server had drained.
struct DrainService: Service {
    /// Read when the timeout runs out: the upstreams of that moment, and those reloads retired.
    let clients: @Sendable () -> [UpstreamClient]
    let timeout: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
            for await signal in signals {
                logger.notice(
                    "shutting down: no new connections; requests in flight may finish",
                    metadata: ["signal": "\(signal)", "drain_timeout_s": "\(timeout.components.seconds)"])
                do {
                    try await Task.sleep(for: timeout)
                } catch {
                    return  // everything finished in time: the shutdown reached this service
                }
                await expire()
                break
            }
            // A service that returns before the shutdown reaches it would end the group with
            // an error: wait for it.
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        }
    }

    private func expire() async {
        logger.warning("drain timeout reached: cutting the requests still in flight")
        for client in clients() {
            client.drain.expire()
            await client.shutdown()
        }
    }
}
