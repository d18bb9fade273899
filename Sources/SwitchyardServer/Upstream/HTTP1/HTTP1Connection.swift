import NIOCore
import NIOHTTP1

/// The answer body as the relay reads it: each element is one socket read's worth.
typealias HTTP1BodyStream = NIOThrowingAsyncSequenceProducer<
    ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, HTTP1Connection.Demand
>

/// One keep-alive connection to the upstream: the last handler of its channel pipeline,
/// carrying out what `HTTP1ExchangeStateMachine` decides. Lives on its channel's event loop,
/// and every method but `Demand`'s runs there.
final class HTTP1Connection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private var machine = HTTP1ExchangeStateMachine()
    private var context: ChannelHandlerContext?
    private var promise: EventLoopPromise<UpstreamResponse>?
    private var source: HTTP1BodyStream.Source?
    private var timeout: Scheduled<Void>?
    /// Called when an exchange ended cleanly and the connection may carry another.
    var onReusable: ((HTTP1Connection) -> Void)?
    /// Called once, when the channel closed.
    var onClosed: ((HTTP1Connection) -> Void)?
    /// Numbers the exchanges, so that the body consumer of one cannot touch a later one.
    private(set) var exchanges = 0
    let eventLoop: any EventLoop

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    var isIdle: Bool { machine.isIdle && context != nil }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // Idle, but reading: a server that closes a pooled connection is noticed at once.
        context.read()
    }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Sends a request; `promise` gets the answer at its head, or whole (see `HTTP1Request`).
    func send(_ request: HTTP1Request, promise: EventLoopPromise<UpstreamResponse>) {
        eventLoop.preconditionInEventLoop()
        guard let context, machine.isIdle else {
            promise.fail(HTTP1ClientError.closedBeforeAnswer)
            return
        }
        exchanges &+= 1
        self.promise = promise
        let connection = NIOLoopBound(self, eventLoop: eventLoop)
        timeout = eventLoop.scheduleTask(in: request.headTimeout) {
            connection.value.perform(connection.value.machine.headTimedOut())
        }
        // The exchange is under way before the first byte is written: a connection the server
        // already closed can fail inside the write, and that failure must find a request to fail
        // (and retry), not an idle connection.
        let next = machine.requestSent(bufferLimit: request.bufferLimit)
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        if let body = request.body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        perform(next)
    }

    /// Closes the connection, failing what is in flight on it with `error`.
    func close(failing error: HTTP1ClientError = .cancelled) {
        eventLoop.preconditionInEventLoop()
        perform(machine.failed(error))
        context?.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): perform(machine.receivedHead(head))
        case .body(let part): perform(machine.receivedBody(part))
        case .end: perform(machine.receivedEnd())
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) { perform(machine.readComplete()) }

    func channelInactive(context: ChannelHandlerContext) {
        perform(machine.connectionClosed())
        onClosed?(self)
        onClosed = nil
        onReusable = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A parse error fails the exchange with its reason; anything else (a reset) closes the
        // connection, and channelInactive reports it.
        if let error = error as? HTTPParserError {
            // The parser's word for a connection closed mid-answer.
            perform(error == .invalidEOFState ? machine.connectionClosed() : machine.failed(.malformedAnswer("\(error)")))
        } else {
            context.close(promise: nil)
        }
    }

    private func perform(_ action: HTTP1ExchangeStateMachine.Action) {
        switch action {
        case .none: break
        case .read: context?.read()
        case .startStream(let head, let readMore):
            cancelTimeout()
            let made = HTTP1BodyStream.makeSequence(
                backPressureStrategy: .init(lowWatermark: 2, highWatermark: 8), finishOnDeinit: false,
                delegate: Demand(connection: NIOLoopBound(self, eventLoop: eventLoop), exchange: exchanges))
            source = made.source
            promise.take()?.succeed(UpstreamResponse(head: head, body: .init(stream: made.sequence)))
            if readMore { context?.read() }
        case .deliverWhole(let head, let body, let reuse):
            cancelTimeout()
            promise.take()?.succeed(UpstreamResponse(head: head, body: .init(whole: body)))
            finishExchange(reuse: reuse)
        case .yield(let bytes):
            guard let source else { return }
            switch source.yield(bytes) {
            case .produceMore: perform(machine.yielded(consumerWantsMore: true))
            case .stopProducing: perform(machine.yielded(consumerWantsMore: false))
            case .dropped: perform(machine.consumerLeft())
            }
        case .finishStream(let pending, let reuse):
            if let pending { _ = source?.yield(pending) }
            source.take()?.finish()
            finishExchange(reuse: reuse)
        case .fail(let error):
            cancelTimeout()
            promise.take()?.fail(error)
            source.take()?.finish(error)
            context?.close(promise: nil)
        case .close:
            source.take()?.finish()
            context?.close(promise: nil)
        }
    }

    private func finishExchange(reuse: Bool) {
        if reuse, let onReusable {
            context?.read()
            onReusable(self)
        } else {
            context?.close(promise: nil)
        }
    }

    private func cancelTimeout() {
        timeout.take()?.cancel()
    }

    /// The body's consumer asking for more, or going away; it may call from any thread.
    /// Bound to one exchange: a body consumer that lets go late must not touch the next
    /// exchange on the same connection.
    struct Demand: NIOAsyncSequenceProducerDelegate {
        let connection: NIOLoopBound<HTTP1Connection>
        let exchange: Int

        func produceMore() {
            let (connection, exchange) = (connection, exchange)
            connection.eventLoop.execute {
                guard connection.value.exchanges == exchange else { return }
                connection.value.perform(connection.value.machine.consumerWantsMore())
            }
        }

        func didTerminate() {
            let (connection, exchange) = (connection, exchange)
            connection.eventLoop.execute {
                guard connection.value.exchanges == exchange else { return }
                connection.value.perform(connection.value.machine.consumerLeft())
            }
        }
    }
}

extension Optional {
    /// The value, leaving nil behind: a promise or source is completed exactly once.
    fileprivate mutating func take() -> Wrapped? {
        defer { self = nil }
        return self
    }
}
