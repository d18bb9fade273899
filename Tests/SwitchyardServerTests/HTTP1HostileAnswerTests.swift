import NIOCore
import NIOEmbedded
import NIOHTTP1
import SwitchyardFixtures
import Synchronization
import Testing

@testable import SwitchyardServer

/// The upstream client against answers mangled every way a broken or hostile upstream could
/// send them: bytes flipped, cut, repeated and inserted, delivered in arbitrary pieces. Every
/// exchange must end — an answer whose body ends or fails, or a failed request — and nothing
/// may trap. Deterministic: the same seed, the same inputs.
@Suite struct HTTP1HostileAnswerTests {
    /// Answers in the shapes upstreams send: llama-server's recorded stream, chunked; a JSON
    /// answer with a length; an Ollama NDJSON stream with neither length nor chunking.
    static func answers() throws -> [[UInt8]] {
        let sse = try Fixtures.bytes("llama-server/chat-tools-stream.sse")
        let json = try Fixtures.bytes("llama-server/chat.json")
        var chunked = Array("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        var offset = 0
        while offset < sse.count {
            let piece = sse[offset..<min(offset + 97, sse.count)]
            chunked += Array((String(piece.count, radix: 16) + "\r\n").utf8) + piece + Array("\r\n".utf8)
            offset += 97
        }
        chunked += Array("0\r\n\r\n".utf8)
        let whole = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(json.count)\r\n\r\n".utf8) + json
        let ndjson =
            Array("HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\nConnection: close\r\n\r\n".utf8)
            + Array(#"{"model":"m","message":{"role":"assistant","content":"hi"},"done":false}"#.utf8) + [10]
            + Array(#"{"model":"m","done":true,"done_reason":"stop"}"#.utf8) + [10]
        return [chunked, whole, ndjson]
    }

    /// A small deterministic generator (SplitMix64), so a failure can be replayed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func mangle(_ bytes: [UInt8], _ random: inout Generator) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...4, using: &random) where !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
            case 1: bytes.removeSubrange(at...)
            case 2: bytes.insert(contentsOf: bytes[at..<min(at + 64, bytes.count)], at: at)
            case 3: bytes.insert(contentsOf: Array("\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n".utf8), at: at)
            case 4: bytes.insert(contentsOf: Array(String(repeating: "f", count: Int.random(in: 1...20, using: &random)).utf8), at: at)
            default: bytes.remove(at: at)
            }
        }
        return bytes
    }

    @Test func everyExchangeEndsWhateverTheUpstreamSends() async throws {
        var random = Generator(state: 0x5EED)
        let answers = try Self.answers()
        var delivered = 0
        var failed = 0
        for round in 0..<1500 {
            let bytes = Self.mangle(answers[round % answers.count], &random)
            let channel = EmbeddedChannel()
            let connection = HTTP1Connection(eventLoop: channel.eventLoop)
            try channel.pipeline.syncOperations.addHTTPClientHandlers()
            try channel.pipeline.syncOperations.addHandler(connection)
            let promise = channel.eventLoop.makePromise(of: UpstreamResponse.self)
            connection.send(
                HTTP1Request(
                    head: HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v1/chat/completions"), body: ByteBuffer(string: "{}"),
                    headTimeout: .seconds(60), bufferLimit: 1024 * 1024),
                promise: promise)
            var offset = 0
            while offset < bytes.count {
                let size = Int.random(in: 1...600, using: &random)
                _ = try? channel.writeInbound(ByteBuffer(bytes: bytes[offset..<min(offset + size, bytes.count)]))
                offset += size
            }
            _ = try? channel.finish()
            channel.embeddedEventLoop.run()
            let outcome = try await Self.outcome(of: promise.futureResult)
            if outcome { delivered += 1 } else { failed += 1 }
        }
        // Both ends are reached, or the mangling tells nothing.
        #expect(delivered > 100)
        #expect(failed > 100)
    }

    /// Whether the exchange delivered an answer whose body then ended (true) or failed (false);
    /// a body that never ends would hang here, which is the failure this test is for.
    static func outcome(of future: EventLoopFuture<UpstreamResponse>) async throws -> Bool {
        do {
            let response = try await future.get()
            _ = try await response.body.collect(upTo: 16 * 1024 * 1024)
            return true
        } catch is HTTP1ClientError {
            return false
        } catch is UpstreamResponse.BodyTooLarge {
            return false
        }
    }
}

/// A connection that the server closed fails inside the write of the next request: that
/// request must fail (to be sent again), never wait for an answer that cannot come.
@Suite struct HTTP1ClosedDuringWriteTests {
    final class CloseOnWrite: ChannelOutboundHandler {
        typealias OutboundIn = HTTPClientRequestPart
        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            context.close(promise: nil)
            promise?.fail(ChannelError.ioOnClosedChannel)
        }
    }

    @Test func aRequestWhoseWriteFindsTheConnectionClosedFailsAtOnce() throws {
        let channel = EmbeddedChannel()
        let connection = HTTP1Connection(eventLoop: channel.eventLoop)
        try channel.pipeline.syncOperations.addHTTPClientHandlers()
        try channel.pipeline.syncOperations.addHandler(CloseOnWrite())
        try channel.pipeline.syncOperations.addHandler(connection)
        let promise = channel.eventLoop.makePromise(of: UpstreamResponse.self)
        let outcome = Mutex<Result<UpstreamResponse, any Error>?>(nil)
        promise.futureResult.whenComplete { result in outcome.withLock { $0 = result } }
        connection.send(
            HTTP1Request(
                head: HTTPRequestHead(version: .http1_1, method: .GET, uri: "/v1/models"), body: nil, headTimeout: .seconds(600),
                bufferLimit: 1024),
            promise: promise)
        channel.embeddedEventLoop.run()
        guard case .failure(let error as HTTP1ClientError) = outcome.withLock({ $0 }) else {
            Issue.record("the request is still waiting, or was answered")
            return
        }
        #expect(error == .closedBeforeAnswer)
    }
}
