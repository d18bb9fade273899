import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// An upstream's answer, at its head: the body follows, whole or as a stream, whichever client
/// carried it (Switchyard's own HTTP/1.1 client for `http://` upstreams, AsyncHTTPClient for
/// `https://`).
struct UpstreamResponse: Sendable {
    let status: HTTPResponseStatus
    let headers: HTTPHeaders
    let body: Body

    init(head: HTTPResponseHead, body: Body) {
        status = head.status
        headers = head.headers
        self.body = body
    }

    init(_ response: HTTPClientResponse) {
        status = response.status
        headers = response.headers
        body = Body(storage: .client(response.body))
    }

    /// The body's bytes in the pieces they arrived in; read once.
    struct Body: AsyncSequence, Sendable {
        typealias Element = ByteBuffer

        fileprivate enum Storage: @unchecked Sendable {
            // The producer is handed to exactly one consumer, the relay or a collect.
            case whole(ByteBuffer?)
            case stream(HTTP1BodyStream)
            case client(HTTPClientResponse.Body)
        }
        fileprivate let storage: Storage

        fileprivate init(storage: Storage) { self.storage = storage }
        init(whole: ByteBuffer?) { storage = .whole(whole) }
        init(stream: HTTP1BodyStream) { storage = .stream(stream) }

        func makeAsyncIterator() -> AsyncIterator {
            switch storage {
            case .whole(let buffer): AsyncIterator(storage: .whole(buffer))
            case .stream(let stream): AsyncIterator(storage: .stream(stream.makeAsyncIterator()))
            case .client(let body): AsyncIterator(storage: .client(body.makeAsyncIterator()))
            }
        }

        struct AsyncIterator: AsyncIteratorProtocol {
            fileprivate enum Storage {
                case whole(ByteBuffer?)
                case stream(HTTP1BodyStream.AsyncIterator)
                case client(HTTPClientResponse.Body.AsyncIterator)
            }
            fileprivate var storage: Storage

            mutating func next() async throws -> ByteBuffer? {
                switch storage {
                case .whole(let buffer):
                    storage = .whole(nil)
                    return buffer
                case .stream(let iterator):
                    return try await iterator.next()
                case .client(var iterator):
                    defer { storage = .client(iterator) }
                    return try await iterator.next()
                }
            }
        }

        /// The whole body, refused past `limit` bytes.
        func collect(upTo limit: Int) async throws -> ByteBuffer {
            if case .whole(let buffer) = storage {
                guard (buffer?.readableBytes ?? 0) <= limit else { throw BodyTooLarge(limit: limit) }
                return buffer ?? ByteBuffer()
            }
            var collected = ByteBuffer()
            for try await var piece in self {
                guard piece.readableBytes <= limit - collected.readableBytes else { throw BodyTooLarge(limit: limit) }
                collected.writeBuffer(&piece)
            }
            return collected
        }
    }

    struct BodyTooLarge: Error, CustomStringConvertible {
        let limit: Int
        var description: String { "the answer is larger than \(limit) bytes" }
    }
}
