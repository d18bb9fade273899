import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// Switchyard's own HTTP/1.1 client for plain-HTTP upstreams: keep-alive connections pooled per
/// event loop, each request sent and its answer relayed on the loop of the task that asked, so
/// a proxied request resumes where its bytes are, without a thread switch.
///
/// What it keeps of a general client is what a proxy needs: a deadline on the answer's head
/// only (a stream runs as long as the model generates), no decompression, one retry when a
/// connection turns out to have been closed by the server before answering, cancellation that
/// closes the upstream connection (stopping the generation), and backpressure (the socket is
/// read only while the relay keeps up).
final class HTTP1ConnectionPool: Sendable {
    struct Endpoint: Sendable, Equatable {
        var host: String
        var port: Int
        /// Put before every path: the upstream URL's own path, if it has one.
        var pathPrefix: String
        /// The `Host` header: the URL's authority.
        var authority: String
    }

    private let target: Mutex<Endpoint>
    var endpoint: Endpoint { target.withLock { $0 } }
    private let connectTimeout: TimeAmount
    private let loops: [ObjectIdentifier: LoopPool]
    private let group: any EventLoopGroup

    init(endpoint: Endpoint, group: any EventLoopGroup, connectTimeout: TimeAmount, idlePerLoop: Int) {
        target = Mutex(endpoint)
        self.group = group
        self.connectTimeout = connectTimeout
        var loops: [ObjectIdentifier: LoopPool] = [:]
        for loop in group.makeIterator() { loops[ObjectIdentifier(loop)] = LoopPool(eventLoop: loop, idleLimit: idlePerLoop) }
        self.loops = loops
    }

    /// Sends `request` and returns at the answer's head (or with the whole answer, see
    /// `HTTP1Request.bufferLimit`). Task cancellation closes the connection.
    func execute(_ request: HTTP1Request) async throws -> UpstreamResponse {
        // `any()` is the loop this task runs on when it runs on one.
        let loop = group.any()
        guard let pool = loops[ObjectIdentifier(loop)] else { throw HTTP1ClientError.shutDown }
        let attempt = Attempt(eventLoop: loop)
        return try await withTaskCancellationHandler {
            let future =
                loop.inEventLoop ? start(request, on: pool, attempt: attempt) : loop.flatSubmit { self.start(request, on: pool, attempt: attempt) }
            return try await future.get()
        } onCancel: {
            loop.execute { attempt.cancel() }
        }
    }

    /// Points the pool at where an upstream Switchyard started anew listens; the idle
    /// connections to the old place are closed.
    func retarget(_ endpoint: Endpoint) async {
        target.withLock { $0 = endpoint }
        await withDiscardingTaskGroup { group in
            for pool in loops.values {
                group.addTask { try? await pool.eventLoop.submit { pool.closeIdle() }.get() }
            }
        }
    }

    /// After a reload dropped or changed the upstream: closes the idle connections, and each
    /// busy one once its answer is over, so streams in flight finish undisturbed. The pool
    /// still serves a request that was routed to it before.
    func retire() async {
        await withDiscardingTaskGroup { group in
            for pool in loops.values {
                group.addTask { try? await pool.eventLoop.submit { pool.retire() }.get() }
            }
        }
    }

    /// Closes every connection, failing the requests and streams in flight.
    func shutdown() async {
        await withDiscardingTaskGroup { group in
            for pool in loops.values {
                group.addTask { try? await pool.eventLoop.submit { pool.shutdown() }.get() }
            }
        }
    }

    private func start(_ request: HTTP1Request, on pool: LoopPool, attempt: Attempt) -> EventLoopFuture<UpstreamResponse> {
        let promise = pool.eventLoop.makePromise(of: UpstreamResponse.self)
        attempt.promise = promise
        send(request, on: pool, attempt: attempt, retried: false, promise: promise)
        return promise.futureResult
    }

    private func send(
        _ request: HTTP1Request, on pool: LoopPool, attempt: Attempt, retried: Bool, promise: EventLoopPromise<UpstreamResponse>
    ) {
        guard !attempt.isCancelled else { return promise.fail(HTTP1ClientError.cancelled) }
        guard !pool.isShutDown else { return promise.fail(HTTP1ClientError.shutDown) }
        let exchange = pool.eventLoop.makePromise(of: UpstreamResponse.self)
        exchange.futureResult.whenComplete { result in
            switch result {
            case .success(let response): promise.succeed(response)
            case .failure(HTTP1ClientError.closedBeforeAnswer) where !retried && !attempt.isCancelled:
                // The server gave up on the connection (llama-server closes after every
                // stream while announcing keep-alive): once more, on a new one.
                self.send(request, on: pool, attempt: attempt, retried: true, promise: promise)
            case .failure(let error): promise.fail(attempt.isCancelled ? HTTP1ClientError.cancelled : error)
            }
        }
        if !retried, let connection = pool.takeIdle() {
            attempt.connection = connection
            connection.send(request, promise: exchange)
            return
        }
        connect(on: pool).whenComplete { result in
            switch result {
            case .success(let connection):
                guard !attempt.isCancelled else {
                    pool.release(connection)
                    return exchange.fail(HTTP1ClientError.cancelled)
                }
                attempt.connection = connection
                connection.send(request, promise: exchange)
            case .failure(let error): exchange.fail(error)
            }
        }
    }

    private func connect(on pool: LoopPool) -> EventLoopFuture<HTTP1Connection> {
        let loop = pool.eventLoop
        let target = endpoint
        return ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.autoRead, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = HTTP1Connection(eventLoop: loop)
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(connection)
                    return ()
                }
            }
            .connect(host: target.host, port: target.port)
            .flatMapThrowing { channel in
                let connection = try channel.pipeline.syncOperations.handler(type: HTTP1Connection.self)
                pool.adopt(connection)
                return connection
            }
    }

    /// One request's hold on its connection, for cancelling it.
    private final class Attempt: @unchecked Sendable {
        // Touched only on `eventLoop`.
        let eventLoop: any EventLoop
        var connection: HTTP1Connection?
        var promise: EventLoopPromise<UpstreamResponse>?
        private(set) var isCancelled = false

        init(eventLoop: any EventLoop) { self.eventLoop = eventLoop }

        /// Closes the connection, stopping the generation; a request still connecting fails at
        /// once rather than after the connect timeout (a second completion is ignored).
        func cancel() {
            eventLoop.preconditionInEventLoop()
            isCancelled = true
            connection?.close()
            promise?.fail(HTTP1ClientError.cancelled)
        }
    }
}

/// One event loop's connections. Touched only on that loop, which is what makes the unchecked
/// Sendable sound.
private final class LoopPool: @unchecked Sendable {
    let eventLoop: any EventLoop
    private let idleLimit: Int
    private var idle: [HTTP1Connection] = []
    private var open: [ObjectIdentifier: HTTP1Connection] = [:]
    private(set) var isShutDown = false
    private var isRetired = false

    init(eventLoop: any EventLoop, idleLimit: Int) {
        self.eventLoop = eventLoop
        self.idleLimit = idleLimit
    }

    func adopt(_ connection: HTTP1Connection) {
        open[ObjectIdentifier(connection)] = connection
        connection.onReusable = { [weak self] connection in
            if let self { self.release(connection) } else { connection.close() }
        }
        connection.onClosed = { [weak self] connection in
            self?.open[ObjectIdentifier(connection)] = nil
            self?.idle.removeAll { $0 === connection }
        }
    }

    /// The most recently used idle connection: the one least likely to have been closed by
    /// the server's keep-alive timeout.
    func takeIdle() -> HTTP1Connection? {
        while let connection = idle.popLast() {
            if connection.isIdle { return connection }
        }
        return nil
    }

    func release(_ connection: HTTP1Connection) {
        guard !isShutDown, !isRetired, connection.isIdle, idle.count < idleLimit else { return connection.close() }
        idle.append(connection)
    }

    func retire() {
        isRetired = true
        closeIdle()
    }

    func closeIdle() {
        for connection in idle { connection.close() }
        idle.removeAll()
    }

    func shutdown() {
        isShutDown = true
        idle.removeAll()
        for connection in open.values { connection.close(failing: .shutDown) }
    }
}
