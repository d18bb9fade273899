import NIOCore
import Synchronization

/// What one request did, gathered along the way for its log line and metrics: handlers and the
/// upstream client write here through the task-local `current`, so no signature has to carry it.
final class RequestTrace: Sendable {
    struct Facts: Sendable {
        var model: String?
        /// The upstream that served it, by its configured name (with several upstreams).
        var upstream: String?
        /// `ollama→openai`, `openai→ollama`, `pass-through`, or nil for local answers.
        var translation: String?
        var upstreamHeadNanoseconds: UInt64?
        var promptTokens: Int?
        var completionTokens: Int?
        /// `unreachable`, `timeout`, `status_4xx`, `status_5xx`, `mid_stream`, `bad_answer`.
        var upstreamError: String?
    }

    @TaskLocal static var current: RequestTrace?

    let startNanoseconds = NIODeadline.now().uptimeNanoseconds
    private let facts = Mutex(Facts())

    var snapshot: Facts { facts.withLock { $0 } }

    /// Records into the current request's trace, if there is one.
    static func record(_ change: (inout Facts) -> Void) {
        current?.update(change)
    }

    func update(_ change: (inout Facts) -> Void) {
        facts.withLock { change(&$0) }
    }

    /// Called when the upstream's response head arrived.
    static func upstreamAnswered() {
        guard let trace = current else { return }
        let elapsed = NIODeadline.now().uptimeNanoseconds - trace.startNanoseconds
        trace.facts.withLock { $0.upstreamHeadNanoseconds = elapsed }
    }
}
