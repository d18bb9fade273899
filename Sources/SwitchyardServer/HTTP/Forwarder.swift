import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import SwitchyardCore

/// Sends a request upstream unchanged (same dialect on both sides) and relays the answer:
/// small complete bodies in one piece, streams (SSE, NDJSON, or no declared length) chunk by
/// chunk as they arrive.
struct Forwarder: Sendable {
    let client: UpstreamClient
    let maximumBodySize: Int

    /// Bodies up to this size with a known length are sent on in one write, which keeps the
    /// client's connection alive; anything else is relayed as a stream.
    static let bufferedResponseLimit = 8 * 1024 * 1024

    func forward(
        _ request: Request, context: some RequestContext, body: ByteBuffer?, path: String? = nil
    ) async throws(RequestError) -> Response {
        try await relay(send(request, context: context, body: body, path: path), for: request)
    }

    /// Sends the request on (to `path`, else its own path and query once checked) and returns
    /// at the upstream's response head.
    func send(
        _ request: Request, context: some RequestContext, body: ByteBuffer?, path: String? = nil
    ) async throws(RequestError) -> UpstreamResponse {
        var target = path ?? request.uri.path
        if path == nil {
            try ForwardedPath.check(target)
            if let query = request.uri.query, !query.isEmpty { target += "?" + query }
        }
        return try await client.execute(
            HTTPMethod(rawValue: request.method.rawValue), target, headers: HeaderFilter.upstream(request.headers), body: body,
            logger: context.logger)
    }

    func relay(_ response: UpstreamResponse, for request: Request) async throws(RequestError) -> Response {
        var fields = HeaderFilter.client(response.headers)
        let status = HTTPResponse.Status(code: Int(response.status.code))
        let contentType = response.headers.first(name: "content-type")
        if !PassThroughTransform.isStream(contentType: contentType),
            let length = response.headers.first(name: "content-length").flatMap(Int.init), length <= Self.bufferedResponseLimit
        {
            let body = try await UpstreamClient.collect(response, limit: Self.bufferedResponseLimit, upstream: client.base)
            return Response(status: status, headers: fields, body: .init(byteBuffer: body))
        }
        HeaderFilter.markAsStream(&fields)
        let transform = PassThroughTransform(contentType: contentType, surface: APIDialect.of(path: request.uri.path))
        return Response(
            status: status, headers: fields,
            body: StreamRelay.body(relaying: response, for: request, from: client, transform: transform))
    }
}
