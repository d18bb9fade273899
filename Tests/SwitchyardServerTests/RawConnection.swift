import NIOCore
import NIOPosix

/// Bytes on a plain TCP connection, for what no HTTP client will send: broken framing, a
/// request line with dot-segments left as they are, TLS on the plain port.
enum RawConnection {
    /// Sends `bytes`, then reads until the server closes the connection or `timeout` passes;
    /// returns what arrived (a reset counts as a close).
    static func exchange(port: Int, _ bytes: [UInt8], timeout: Duration = .seconds(5)) async throws -> String {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        let received = try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: bytes))
            return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                group.addTask {
                    var out: [UInt8] = []
                    do {
                        for try await chunk in inbound { out += chunk.readableBytesView }
                    } catch {}
                    return out
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                return first
            }
        }
        guard let received else { throw TimedOut() }
        return String(decoding: received, as: UTF8.self)
    }

    static func exchange(port: Int, _ text: String, timeout: Duration = .seconds(5)) async throws -> String {
        try await exchange(port: port, Array(text.utf8), timeout: timeout)
    }

    struct TimedOut: Error {}
}
