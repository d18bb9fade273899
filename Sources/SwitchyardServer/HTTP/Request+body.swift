import Hummingbird
import NIOCore
import SwitchyardCore

extension Request {
    /// Reads the whole body, refusing more than `limit` bytes with a 413 the client can read.
    mutating func collectBody(limit: Int) async throws(RequestError) -> ByteBuffer {
        let tooLarge = RequestError(.payloadTooLarge, "request body is larger than the limit of \(limit) bytes")
        if let length = headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        do {
            return try await collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        } catch {
            throw RequestError(.badRequest, "could not read the request body: \(error)")
        }
    }

    /// Reads the body and decodes it as a request of the caller's dialect, with 400/413 errors
    /// that name what was wrong.
    mutating func decodeBody<T: Decodable>(_ type: T.Type, limit: Int) async throws(RequestError) -> T {
        let body = try await collectBody(limit: limit)
        return try JSONCoding.decodeRequest(T.self, from: Array(body.readableBytesView))
    }
}
