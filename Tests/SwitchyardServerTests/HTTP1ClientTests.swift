import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import SwitchyardServer

/// The exchange state machine, event by event: what the channel handler is told to do.
@Suite struct HTTP1ExchangeStateMachineTests {
    static func head(_ fields: [(String, String)], version: HTTPVersion = .http1_1) -> HTTPResponseHead {
        HTTPResponseHead(version: version, status: .ok, headers: HTTPHeaders(fields))
    }
    static let sse = head([("content-type", "text/event-stream"), ("transfer-encoding", "chunked")])

    @Test func everyPartOfOneReadIsHandedOnAsOnePiece() {
        var machine = HTTP1ExchangeStateMachine()
        #expect(machine.requestSent(bufferLimit: 1024) == .read)
        #expect(machine.receivedHead(Self.sse) == .startStream(Self.sse, readMore: true))
        for event in ["data: 1\n\n", "data: 2\n\n", "data: 3\n\n"] { #expect(machine.receivedBody(ByteBuffer(string: event)) == .none) }
        #expect(machine.readComplete() == .yield(ByteBuffer(string: "data: 1\n\ndata: 2\n\ndata: 3\n\n")))
        #expect(machine.yielded(consumerWantsMore: true) == .read)
        #expect(machine.readComplete() == .read, "nothing pending: read on")
        #expect(machine.receivedBody(ByteBuffer(string: "data: 4\n\n")) == .none)
        #expect(machine.receivedEnd() == .finishStream(ByteBuffer(string: "data: 4\n\n"), reuse: true))
        #expect(machine.isIdle)
    }

    @Test func aSlowConsumerStopsTheReadingUntilItAsksForMore() {
        var machine = Self.sent(answering: Self.sse)
        _ = machine.receivedBody(ByteBuffer(string: "data: 1\n\n"))
        _ = machine.readComplete()
        #expect(machine.yielded(consumerWantsMore: false) == .none)
        #expect(machine.readComplete() == .none, "no read while the consumer is full")
        #expect(machine.consumerWantsMore() == .read)
        #expect(machine.consumerWantsMore() == .none, "asked once")
    }

    @Test func aSmallAnswerOfDeclaredLengthIsReadWhole() {
        var machine = HTTP1ExchangeStateMachine()
        let json = Self.head([("content-type", "application/json"), ("content-length", "4")])
        _ = machine.requestSent(bufferLimit: 1024)
        #expect(machine.receivedHead(json) == .read)
        _ = machine.receivedBody(ByteBuffer(string: "{}"))
        #expect(machine.readComplete() == .read)
        _ = machine.receivedBody(ByteBuffer(string: "[]"))
        #expect(machine.receivedEnd() == .deliverWhole(json, ByteBuffer(string: "{}[]"), reuse: true))
    }

    @Test func streamsAndLargeAnswersStreamEvenWithALength() {
        for head in [
            Self.head([("content-type", "text/event-stream"), ("content-length", "4")]),
            Self.head([("content-type", "application/x-ndjson"), ("content-length", "4")]),
            Self.head([("content-type", "application/json"), ("content-length", "4096")]),
            Self.head([("content-type", "application/json")]),
        ] {
            var machine = HTTP1ExchangeStateMachine()
            _ = machine.requestSent(bufferLimit: 1024)
            #expect(machine.receivedHead(head) == .startStream(head, readMore: true))
        }
    }

    @Test func anAnswerThatEndsTheConnectionIsNotPooled() {
        for head in [Self.head([("connection", "close"), ("content-length", "0")]), Self.head([("content-length", "0")], version: .http1_0)] {
            var machine = Self.sent(answering: head, bufferLimit: 1024)
            #expect(machine.receivedEnd() == .deliverWhole(head, nil, reuse: false))
            #expect(!machine.isIdle)
        }
    }

    @Test func aConsumerThatLeavesMidStreamClosesTheConnection() {
        var machine = Self.sent(answering: Self.sse)
        #expect(machine.consumerLeft() == .close)
        #expect(machine.receivedBody(ByteBuffer(string: "late")) == .none)
        #expect(machine.receivedEnd() == .none)
        #expect(machine.connectionClosed() == .none)
    }

    /// A machine with a request sent, and the answer's head too when given.
    static func sent(answering head: HTTPResponseHead? = nil, bufferLimit: Int = 0) -> HTTP1ExchangeStateMachine {
        var machine = HTTP1ExchangeStateMachine()
        _ = machine.requestSent(bufferLimit: bufferLimit)
        if let head { _ = machine.receivedHead(head) }
        return machine
    }

    @Test func failuresSayWhetherTheRequestMayGoAgain() {
        var beforeHead = Self.sent()
        #expect(beforeHead.connectionClosed() == .fail(.closedBeforeAnswer))
        var midBody = Self.sent(answering: Self.sse)
        #expect(midBody.connectionClosed() == .fail(.closedMidBody))
        var timedOut = Self.sent()
        #expect(timedOut.headTimedOut() == .fail(.headTimeout))
        var headArrived = Self.sent(answering: Self.sse)
        #expect(headArrived.headTimedOut() == .none, "the deadline is on the head only")
        var closedByUs = Self.sent(answering: Self.head([("content-type", "application/x-ndjson"), ("connection", "close")]))
        #expect(closedByUs.failed(.shutDown) == .fail(.shutDown), "a body ended by our own close is not complete")
        #expect(closedByUs.receivedEnd() == .none)

        var idle = HTTP1ExchangeStateMachine()
        #expect(idle.receivedHead(Self.sse) == .close, "an answer nobody asked for ends the connection")
    }
}

/// The pool against real sockets, on one event loop so that reuse is certain.
@Suite struct HTTP1ConnectionPoolTests {
    static func pool(_ port: Int, headTimeout: TimeAmount = .seconds(5)) -> (HTTP1ConnectionPool, MultiThreadedEventLoopGroup) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let pool = HTTP1ConnectionPool(
            endpoint: .init(host: "127.0.0.1", port: port, pathPrefix: "", authority: "127.0.0.1:\(port)"), group: group,
            connectTimeout: .seconds(5), idlePerLoop: 8)
        return (pool, group)
    }

    static func request(headTimeout: TimeAmount = .seconds(5)) -> HTTP1Request {
        HTTP1Request(
            head: HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v1/chat/completions", headers: ["content-length": "2"]),
            body: ByteBuffer(string: "{}"), headTimeout: headTimeout, bufferLimit: 1024)
    }

    static func withPool(_ server: SocketScriptServer, _ body: (HTTP1ConnectionPool) async throws -> Void) async throws {
        let (pool, group) = Self.pool(server.port)
        do {
            try await body(pool)
        } catch {
            await pool.shutdown()
            try await group.shutdownGracefully()
            try await server.stop()
            throw error
        }
        await pool.shutdown()
        try await group.shutdownGracefully()
        try await server.stop()
    }

    @Test func sequentialRequestsShareOneConnection() async throws {
        let server = try await SocketScriptServer { n in [.send(SocketScriptServer.response(#"{"n":\#(n)}"#))] }
        try await Self.withPool(server) { pool in
            for n in 0..<3 {
                let response = try await pool.execute(Self.request())
                #expect(String(buffer: try await response.body.collect(upTo: 1024)) == #"{"n":\#(n)}"#)
            }
            #expect(server.connections == 1)
        }
    }

    @Test func aRetiredPoolKeepsNoConnectionAlive() async throws {
        let server = try await SocketScriptServer { n in [.send(SocketScriptServer.response(#"{"n":\#(n)}"#))] }
        try await Self.withPool(server) { pool in
            _ = try await pool.execute(Self.request()).body.collect(upTo: 1024)
            await pool.retire()
            for _ in 0..<2 {
                let body = try await pool.execute(Self.request()).body.collect(upTo: 1024)
                #expect(String(buffer: body) == #"{"n":0}"#, "each on a new connection")
            }
            #expect(server.connections == 3)
        }
    }

    @Test func aConnectionTheServerDroppedIsRetriedOnceOnAnother() async throws {
        // Answers the first request on each connection, then closes on the second without answering:
        // llama-server's way after a stream.
        let server = try await SocketScriptServer { n in n == 0 ? [.send(SocketScriptServer.response("{}"))] : [.close] }
        try await Self.withPool(server) { pool in
            for _ in 0..<2 {
                let body = try await pool.execute(Self.request()).body.collect(upTo: 1024)
                #expect(String(buffer: body) == "{}")
            }
            #expect(server.requests == 3, "the second request met the dropped connection, then went again")
            #expect(server.connections == 2)
        }
    }

    @Test func aConnectionThatEndsWithTheAnswerIsNotReused() async throws {
        let server = try await SocketScriptServer { _ in [.send(SocketScriptServer.response("{}", close: true))] }
        try await Self.withPool(server) { pool in
            for _ in 0..<2 { _ = try await pool.execute(Self.request()).body.collect(upTo: 1024) }
            #expect(server.connections == 2)
            #expect(server.requests == 2, "never sent on a connection the answer closed")
        }
    }

    @Test func eventsArrivingTogetherAreHandedOnTogether() async throws {
        let events = (0..<200).map { "data: {\"n\":\($0)}\n\n" }
        let answer = SocketScriptServer.chunkedHead() + events.flatMap(SocketScriptServer.chunk) + SocketScriptServer.lastChunk
        let server = try await SocketScriptServer { _ in [.send(answer)] }
        try await Self.withPool(server) { pool in
            let response = try await pool.execute(Self.request())
            var pieces = 0
            var text = ""
            for try await piece in response.body {
                pieces += 1
                text += String(buffer: piece)
            }
            #expect(text == events.joined(), "every byte, in order")
            #expect(pieces < 20, "200 chunks sent in one write arrive in a few reads, not one piece per chunk (\(pieces))")
        }
    }

    @Test func theHeadTimeoutNeverCutsTheBody() async throws {
        let server = try await SocketScriptServer { _ in
            [
                .send(SocketScriptServer.chunkedHead()), .sleep(.milliseconds(400)), .send(SocketScriptServer.chunk("data: late\n\n")),
                .send(SocketScriptServer.lastChunk),
            ]
        }
        try await Self.withPool(server) { pool in
            let response = try await pool.execute(Self.request(headTimeout: .milliseconds(150)))
            #expect(String(buffer: try await response.body.collect(upTo: 1024)) == "data: late\n\n")
        }
    }

    @Test func noHeadInTimeFailsAndClosesTheConnection() async throws {
        let server = try await SocketScriptServer { _ in [.sleep(.seconds(2))] }
        try await Self.withPool(server) { pool in
            await #expect(throws: HTTP1ClientError.headTimeout) { try await pool.execute(Self.request(headTimeout: .milliseconds(100))) }
            let waited = try await server.wait { $0.closedConnections == 1 }
            #expect(waited)
        }
    }

    @Test func aConsumerThatStopsReadingClosesTheUpstreamConnection() async throws {
        let server = try await SocketScriptServer { _ in
            [
                .send(SocketScriptServer.chunkedHead() + SocketScriptServer.chunk("data: 1\n\n")), .sleep(.seconds(3)),
                .send(SocketScriptServer.lastChunk),
            ]
        }
        try await Self.withPool(server) { pool in
            let task = Task {
                let response = try await pool.execute(Self.request())
                for try await _ in response.body {}
            }
            let sent = try await server.wait { $0.requests == 1 }
            #expect(sent)
            task.cancel()
            let waited = try await server.wait { $0.closedConnections == 1 }
            #expect(waited, "the generation stops when nobody reads it")
        }
    }

    @Test func cancellingBeforeTheHeadClosesTheConnection() async throws {
        let server = try await SocketScriptServer { _ in [.sleep(.seconds(3))] }
        try await Self.withPool(server) { pool in
            let task = Task { try await pool.execute(Self.request()) }
            let sent = try await server.wait { $0.requests == 1 }
            #expect(sent)
            task.cancel()
            await #expect(throws: HTTP1ClientError.cancelled) { try await task.value }
            let waited = try await server.wait { $0.closedConnections == 1 }
            #expect(waited)
        }
    }

    @Test func aStreamCutMidwayFailsItsReader() async throws {
        let server = try await SocketScriptServer { _ in [.send(SocketScriptServer.chunkedHead() + SocketScriptServer.chunk("data: 1\n\n")), .close] }
        try await Self.withPool(server) { pool in
            let response = try await pool.execute(Self.request())
            await #expect(throws: HTTP1ClientError.closedMidBody) { _ = try await response.body.collect(upTo: 1024) }
        }
    }

    @Test func anAnswerToHEADHasNoBodyWhateverItsLength() async throws {
        // Ollama answers `HEAD /api/tags` with the GET's length and no body.
        let server = try await SocketScriptServer { _ in
            [.send(Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n".utf8))]
        }
        try await Self.withPool(server) { pool in
            for _ in 0..<2 {
                var request = Self.request()
                request.head = HTTPRequestHead(version: .http1_1, method: .HEAD, uri: "/api/tags")
                request.body = nil
                let response = try await pool.execute(request)
                #expect(response.status == .ok)
                #expect(try await response.body.collect(upTo: 1024).readableBytes == 0)
            }
            #expect(server.connections == 1, "the connection stays usable")
        }
    }

    @Test func anAnswerThatIsNotHTTPIsRefused() async throws {
        for garbage in ["SSH-2.0-OpenSSH_9.2\r\n\r\n", "HTTP/1.1 200 OK\r\nX-Long: " + String(repeating: "a", count: 200_000) + "\r\n\r\n"] {
            let server = try await SocketScriptServer { _ in [.send(Array(garbage.utf8))] }
            try await Self.withPool(server) { pool in
                do {
                    _ = try await pool.execute(Self.request())
                    Issue.record("answered")
                } catch let error as HTTP1ClientError {
                    guard case .malformedAnswer = error else { throw error }
                }
            }
        }
    }

    @Test func aStrayAnswerNeverReachesTheNextRequest() async throws {
        // Two answers to one request: the second arrives on a connection with no request on it.
        let server = try await SocketScriptServer { n in
            [.send(SocketScriptServer.response(#"{"n":\#(n)}"#) + SocketScriptServer.response(#"{"stray":true}"#))]
        }
        try await Self.withPool(server) { pool in
            for _ in 0..<3 {
                let body = try await pool.execute(Self.request()).body.collect(upTo: 1024)
                #expect(String(buffer: body) == #"{"n":0}"#, "each request on a connection of its own")
            }
            #expect(server.connections == 3)
        }
    }

    @Test func shutdownFailsWhatIsInFlight() async throws {
        // Both framings: chunked, and a body that ends with the connection (Ollama's streams),
        // which must not pass for complete when Switchyard is the one closing.
        for head in [
            SocketScriptServer.chunkedHead(),
            Array("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nConnection: close\r\n\r\n".utf8),
        ] {
            let server = try await SocketScriptServer { _ in [.send(head), .sleep(.seconds(3))] }
            let (pool, group) = Self.pool(server.port)
            let response = try await pool.execute(Self.request())
            await pool.shutdown()
            await #expect(throws: HTTP1ClientError.shutDown) { _ = try await response.body.collect(upTo: 1024) }
            await #expect(throws: HTTP1ClientError.shutDown) { try await pool.execute(Self.request()) }
            try await group.shutdownGracefully()
            try await server.stop()
        }
    }
}
