import NIOCore
import NIOHTTP1

/// One request to send on a pooled HTTP/1.1 connection, and how to take its answer.
struct HTTP1Request: Sendable {
    var head: HTTPRequestHead
    var body: ByteBuffer?
    /// No answer head within this time fails the request; the body that follows has no deadline.
    var headTimeout: TimeAmount
    /// An answer that declares a length up to this, and is not a stream, is read whole before
    /// the request returns: one wake-up of the waiting task instead of one per read.
    var bufferLimit: Int
}

/// Why a request on the HTTP/1.1 client failed.
enum HTTP1ClientError: Error, Equatable, CustomStringConvertible {
    /// The connection ended before a byte of the answer arrived: the request may be sent again.
    case closedBeforeAnswer
    case headTimeout
    case cancelled
    /// The connection ended in the middle of the answer's body.
    case closedMidBody
    case shutDown
    /// The answer's head or framing was not HTTP/1.1.
    case malformedAnswer(String)

    var description: String {
        switch self {
        case .closedBeforeAnswer: "the connection was closed before an answer"
        case .headTimeout: "no answer in time"
        case .cancelled: "cancelled"
        case .closedMidBody: "the connection was closed in the middle of the answer"
        case .shutDown: "the client is shut down"
        case .malformedAnswer(let reason): "malformed answer: \(reason)"
        }
    }
}

/// The life of one exchange on a connection, as a value: each event returns what the channel
/// handler must do, so every transition can be tested without a socket.
///
/// A streamed body is handed on once per read from the socket rather than once per HTTP
/// chunk: an upstream that sends many small events in one segment costs one wake-up of the
/// relay and one write to its client, not one each.
struct HTTP1ExchangeStateMachine {
    enum State {
        /// Pooled, no request on it.
        case idle
        case awaitingHead(bufferLimit: Int)
        /// Reading a whole answer of declared length.
        case buffering(HTTPResponseHead, body: ByteBuffer?, keepAlive: Bool)
        /// Handing the body on as it comes; `pending` collects one read's parts.
        case streaming(pending: ByteBuffer?, keepAlive: Bool, consumerWantsMore: Bool)
        /// The consumer went away before the end: the rest of the body is unwanted.
        case closed
    }

    enum Action: Equatable {
        case none
        /// Ask the socket for more bytes.
        case read
        /// The head arrived and the body streams: hand the response out.
        case startStream(HTTPResponseHead, readMore: Bool)
        /// The whole answer arrived.
        case deliverWhole(HTTPResponseHead, ByteBuffer?, reuse: Bool)
        /// Hand one read's worth of body to the consumer; then read on if it wants more.
        case yield(ByteBuffer)
        /// The body ended: hand on what is pending, finish the stream, and pool or close.
        case finishStream(ByteBuffer?, reuse: Bool)
        case fail(HTTP1ClientError)
        case close
    }

    private(set) var state: State = .idle

    mutating func requestSent(bufferLimit: Int) -> Action {
        state = .awaitingHead(bufferLimit: bufferLimit)
        return .read
    }

    mutating func receivedHead(_ head: HTTPResponseHead) -> Action {
        guard case .awaitingHead(let limit) = state else { return unexpected("an answer head with no request waiting") }
        let keepAlive = head.isKeepAlive
        if Self.isReadWhole(head, limit: limit) {
            state = .buffering(head, body: nil, keepAlive: keepAlive)
            return .read
        }
        state = .streaming(pending: nil, keepAlive: keepAlive, consumerWantsMore: true)
        return .startStream(head, readMore: true)
    }

    mutating func receivedBody(_ part: ByteBuffer) -> Action {
        switch state {
        case .buffering(let head, var body, let keepAlive):
            Self.append(part, to: &body)
            state = .buffering(head, body: body, keepAlive: keepAlive)
        case .streaming(var pending, let keepAlive, let wantsMore):
            Self.append(part, to: &pending)
            state = .streaming(pending: pending, keepAlive: keepAlive, consumerWantsMore: wantsMore)
        case .closed: break
        case .idle, .awaitingHead: return unexpected("a body part before an answer head")
        }
        return .none
    }

    mutating func receivedEnd() -> Action {
        switch state {
        case .buffering(let head, let body, let keepAlive):
            state = keepAlive ? .idle : .closed
            return .deliverWhole(head, body, reuse: keepAlive)
        case .streaming(let pending, let keepAlive, _):
            state = keepAlive ? .idle : .closed
            return .finishStream(pending, reuse: keepAlive)
        case .closed: return .none
        case .idle, .awaitingHead: return unexpected("an answer end before an answer head")
        }
    }

    /// The socket read that delivered the parts above is over.
    mutating func readComplete() -> Action {
        switch state {
        case .awaitingHead, .buffering: return .read
        case .streaming(let pending?, let keepAlive, let wantsMore):
            state = .streaming(pending: nil, keepAlive: keepAlive, consumerWantsMore: wantsMore)
            return .yield(pending)
        case .streaming(nil, _, let wantsMore): return wantsMore ? .read : .none
        case .idle, .closed: return .none
        }
    }

    /// What the consumer's buffer said when it was handed a read's worth.
    mutating func yielded(consumerWantsMore: Bool) -> Action {
        guard case .streaming(let pending, let keepAlive, _) = state else { return .none }
        state = .streaming(pending: pending, keepAlive: keepAlive, consumerWantsMore: consumerWantsMore)
        return consumerWantsMore ? .read : .none
    }

    mutating func consumerWantsMore() -> Action {
        guard case .streaming(let pending, let keepAlive, false) = state else { return .none }
        state = .streaming(pending: pending, keepAlive: keepAlive, consumerWantsMore: true)
        return .read
    }

    /// The consumer stopped reading (it finished, failed, or its task was cancelled).
    mutating func consumerLeft() -> Action {
        guard case .streaming = state else { return .none }
        state = .closed
        return .close
    }

    mutating func connectionClosed() -> Action {
        let before = state
        state = .closed
        switch before {
        case .awaitingHead: return .fail(.closedBeforeAnswer)
        case .buffering, .streaming: return .fail(.closedMidBody)
        case .idle, .closed: return .none
        }
    }

    mutating func headTimedOut() -> Action {
        guard case .awaitingHead = state else { return .none }
        state = .closed
        return .fail(.headTimeout)
    }

    /// The exchange cannot go on — the answer could not be parsed, or Switchyard is closing the
    /// connection itself — so it fails with `error`: a body whose end is the connection's end
    /// must not look complete because Switchyard closed it.
    mutating func failed(_ error: HTTP1ClientError) -> Action {
        let before = state
        state = .closed
        switch before {
        case .awaitingHead, .buffering, .streaming: return .fail(error)
        case .idle, .closed: return .close
        }
    }

    var isIdle: Bool {
        if case .idle = state { return true }
        return false
    }

    private mutating func unexpected(_ what: String) -> Action {
        let before = state
        state = .closed
        if case .idle = before { return .close }
        return .fail(.malformedAnswer(what))
    }

    /// A declared length within the limit, and not a stream: event streams may declare one too
    /// and must still flow as they come.
    static func isReadWhole(_ head: HTTPResponseHead, limit: Int) -> Bool {
        guard let length = head.headers.first(name: "content-length").flatMap(Int.init), length <= limit else { return false }
        return !PassThroughTransform.isStream(contentType: head.headers.first(name: "content-type"))
    }

    private static func append(_ part: ByteBuffer, to buffer: inout ByteBuffer?) {
        if buffer == nil {
            buffer = part
        } else {
            var part = part
            buffer!.writeBuffer(&part)
        }
    }
}
