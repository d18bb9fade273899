import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// An HTTP/1.1 server that answers the first request on each connection with keep-alive
/// headers, then closes the connection when a second request arrives on it, without answering.
/// That is what a pooled client meets with llama-server, which announces keep-alive but closes
/// after every stream: the next request goes out on a connection the server has given up on.
final class StaleConnectionServer: Sendable {
    private struct Counts {
        var connections = 0
        var requests = 0
    }
    private let counts = Mutex(Counts())
    private let channel: any Channel

    var connections: Int { counts.withLock { $0.connections } }
    var requests: Int { counts.withLock { $0.requests } }
    var port: Int { channel.localAddress!.port! }

    init(response body: String) async throws {
        let box = Box()
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(body: body, server: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        box.server.withLock { $0 = self }
    }

    func stop() async throws { try await channel.close() }

    fileprivate func connected() { counts.withLock { $0.connections += 1 } }
    fileprivate func requested() { counts.withLock { $0.requests += 1 } }

    fileprivate final class Box: Sendable {
        let server = Mutex<StaleConnectionServer?>(nil)
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let body: String
        let server: Box
        var pending = ""
        var answered = 0

        init(body: String, server: Box) {
            self.body = body
            self.server = server
        }

        func channelActive(context: ChannelHandlerContext) {
            server.server.withLock { $0?.connected() }
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            pending += String(buffer: unwrapInboundIn(data))
            while let end = pending.range(of: "\r\n\r\n") {
                let head = pending[..<end.lowerBound].lowercased()
                let length =
                    head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                let total = pending.distance(from: pending.startIndex, to: end.upperBound) + length
                guard pending.utf8.count >= total else { return }
                pending = String(pending.dropFirst(total))
                server.server.withLock { $0?.requested() }
                if answered > 0 {
                    context.close(promise: nil)
                    return
                }
                answered += 1
                let response =
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: keep-alive\r\n\r\n\(body)"
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response)), promise: nil)
            }
        }
    }
}
