import NIOCore
import NIOPosix

/// Runs Swift Concurrency's jobs on NIO's event loops instead of a pool of their own.
///
/// A proxied request crosses between the two on every await that touches a socket: the
/// listener's channel, the route's task, the upstream connection. With both on the same
/// threads the task resumes on the loop that just read the bytes, with no thread switch —
/// on one core, the difference between a hop and a context switch.
package enum EventLoopExecutor {
    /// Installs the event loops as the global executor; call once, from the main thread, before
    /// any task starts. `SWITCHYARD_EXECUTOR=default` keeps Swift's own pool (to compare).
    package static func install(environment: [String: String]) -> Bool {
        guard environment["SWITCHYARD_EXECUTOR"] != "default" else { return false }
        return NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
