import NIOCore
import NIOPosix
import Synchronization

/// A loopback HTTP/1.1 server that answers each request with whatever bytes a test scripts,
/// however they are framed or timed, and counts connections, requests and closes: what the
/// upstream client's pooling, retries and cancellation are seen by.
final class SocketScriptServer: Sendable {
    enum Step: Sendable {
        case send([UInt8])
        case sleep(Duration)
        case close
    }

    private struct Counts {
        var connections = 0
        var requests = 0
        var closed = 0
    }
    private let counts = Mutex(Counts())
    private let channel: any Channel

    var connections: Int { counts.withLock { $0.connections } }
    var requests: Int { counts.withLock { $0.requests } }
    var closedConnections: Int { counts.withLock { $0.closed } }
    var port: Int { channel.localAddress!.port! }

    /// `script` gives the steps answering a connection's n-th request (from 0).
    init(script: @escaping @Sendable (_ requestOnConnection: Int) -> [Step]) async throws {
        let counter = Counter()
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(script: script, counter: counter))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        counter.server.withLock { $0 = self }
    }

    func stop() async throws { try await channel.close() }

    /// Waits until `condition` holds of the counts, for at most two seconds.
    func wait(until condition: @Sendable (SocketScriptServer) -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if condition(self) { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition(self)
    }

    /// One HTTP response head and body in one piece.
    static func response(_ body: String, contentType: String = "application/json", close: Bool = false) -> [UInt8] {
        Array(
            ("HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\n"
                + (close ? "Connection: close\r\n" : "") + "\r\n" + body).utf8)
    }

    /// A chunked head, then each piece as a chunk of its own.
    static func chunkedHead(contentType: String = "text/event-stream") -> [UInt8] {
        Array("HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
    }

    static func chunk(_ text: String) -> [UInt8] {
        Array((String(text.utf8.count, radix: 16) + "\r\n" + text + "\r\n").utf8)
    }

    static let lastChunk = Array("0\r\n\r\n".utf8)

    private final class Counter: Sendable {
        let server = Mutex<SocketScriptServer?>(nil)
        func update(_ change: (inout Counts) -> Void) { server.withLock { server in server?.counts.withLock { change(&$0) } } }
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let script: @Sendable (Int) -> [Step]
        let counter: Counter
        var pending: [UInt8] = []
        var answered = 0

        init(script: @escaping @Sendable (Int) -> [Step], counter: Counter) {
            self.script = script
            self.counter = counter
        }

        func channelActive(context: ChannelHandlerContext) { counter.update { $0.connections += 1 } }
        func channelInactive(context: ChannelHandlerContext) { counter.update { $0.closed += 1 } }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            pending += Array(buffer: unwrapInboundIn(data))
            // Requests here carry a Content-Length body at most.
            while let end = Self.headEnd(pending) {
                let head = String(decoding: pending[..<end], as: UTF8.self).lowercased()
                let length =
                    head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).filter { $0 != " " }) } ?? 0
                guard pending.count >= end + 4 + length else { return }
                pending.removeFirst(end + 4 + length)
                counter.update { $0.requests += 1 }
                let steps = script(answered)
                answered += 1
                play(steps[...], context: context)
            }
        }

        private func play(_ steps: ArraySlice<Step>, context: ChannelHandlerContext) {
            guard let step = steps.first else { return }
            let rest = steps.dropFirst()
            switch step {
            case .send(let bytes):
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
                play(rest, context: context)
            case .sleep(let duration):
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(
                    in: .nanoseconds(Int64(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000))
                ) {
                    bound.value.0.play(rest, context: bound.value.1)
                }
            case .close: context.close(promise: nil)
            }
        }

        private static func headEnd(_ bytes: [UInt8]) -> Int? {
            guard bytes.count >= 4 else { return nil }
            for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10
            {
                return index
            }
            return nil
        }
    }
}
