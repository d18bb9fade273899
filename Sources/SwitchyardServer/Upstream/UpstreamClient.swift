import AsyncHTTPClient
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SwitchyardCore
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// How Switchyard reaches its upstream.
///
/// Configured for proxying rather than browsing: no redirects, no decompression (a line
/// parser must see the bytes the upstream sent, and streams must not wait on a gzip window), no
/// limit on concurrent connections so concurrent streams do not queue, and a deadline on the
/// response head only — a stream may run as long as the model generates. A plain-HTTP upstream
/// (every local server) is reached through Switchyard's own HTTP/1.1 client, which relays on
/// the event loop the request runs on; an `https://` one through AsyncHTTPClient.
public final class UpstreamClient: Sendable {
    /// Exactly one of them: an AsyncHTTPClient is made only for an upstream that needs TLS.
    private enum Transport {
        /// Switchyard's own client, for a plain-HTTP upstream.
        case own(HTTP1ConnectionPool)
        case asyncHTTPClient(HTTPClient)
    }
    private let transport: Transport
    /// Where the upstream is; changes only for one Switchyard starts (`retarget`).
    public var base: UpstreamURL { target.withLock { $0 } }
    private let target: Mutex<UpstreamURL>
    let apiKey: String?
    let headTimeout: Duration
    /// Client headers that are Switchyard's own credentials and never go upstream.
    let inboundCredentialHeaders: Set<String>
    /// Set when a shutdown's drain timeout ran out and this client was shut down under the
    /// requests still in flight.
    public let drain = DrainState()

    /// A client for one upstream; the timeouts, limits and inbound credentials are the server's.
    init(configuration: SwitchyardConfiguration, spec: UpstreamSpec) {
        if let endpoint = spec.url.plainHTTPEndpoint {
            transport = .own(
                HTTP1ConnectionPool(
                    endpoint: endpoint, group: MultiThreadedEventLoopGroup.singleton,
                    connectTimeout: .init(configuration.upstreamConnectTimeout), idlePerLoop: configuration.upstreamConnectionLimit))
        } else {
            var config = HTTPClient.Configuration(
                redirectConfiguration: .disallow,
                timeout: .init(connect: .init(configuration.upstreamConnectTimeout), read: nil),
                decompression: .disabled)
            config.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = configuration.upstreamConnectionLimit
            // An upstream that refuses connections should give a 502 now, not after retrying until
            // the connect timeout.
            config.connectionPool.retryConnectionEstablishment = false
            // No tracer: with the default (swift-distributed-tracing's no-op) AsyncHTTPClient still
            // builds every request's span attributes, 1.5 % of a proxied request's CPU.
            config.tracing.tracer = nil
            transport = .asyncHTTPClient(HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: config))
        }
        target = Mutex(spec.url)
        apiKey = spec.apiKey
        headTimeout = configuration.upstreamHeadTimeout
        inboundCredentialHeaders = configuration.auth.isEnabled ? ["authorization", "x-api-key", configuration.auth.apiKeyHeader.lowercased()] : []
    }

    /// The client's own `Authorization`, which reaches the upstream only when Switchyard checks
    /// no credentials itself and has no upstream key (so a hosted API key a client sends still
    /// works through a plain proxy).
    func clientCredentials(_ fields: HTTPFields) -> HTTPHeaders {
        guard inboundCredentialHeaders.isEmpty, apiKey == nil, base.basicAuthorization == nil else { return [:] }
        var headers = HTTPHeaders()
        for value in fields[values: .authorization] { headers.add(name: "authorization", value: value) }
        return headers
    }

    /// Sends a request and returns once the response head arrived; the body streams after.
    /// Either transport sends a request once more when a pooled connection turns out to have
    /// been closed before answering (see `sendThroughAsyncHTTPClient`).
    func execute(
        _ method: HTTPMethod, _ path: String, headers: HTTPHeaders = [:], body: ByteBuffer? = nil, logger: Logger
    ) async throws(RequestError) -> UpstreamResponse {
        var headers = headers
        for name in inboundCredentialHeaders { headers.remove(name: name) }
        headers.replaceOrAdd(name: "accept-encoding", value: "identity")
        if let apiKey {
            headers.replaceOrAdd(name: "authorization", value: "Bearer \(apiKey)")
        } else if let basic = base.basicAuthorization {
            headers.replaceOrAdd(name: "authorization", value: basic)
        }
        if body != nil {
            headers.replaceOrAdd(name: "content-type", value: headers.first(name: "content-type") ?? "application/json")
        }
        do {
            let response: UpstreamResponse
            switch transport {
            case .own(let pool): response = try await send(method, path, headers: headers, body: body, on: pool)
            case .asyncHTTPClient(let client):
                response = try await sendThroughAsyncHTTPClient(method, path, headers: headers, body: body, through: client, logger: logger)
            }
            RequestTrace.upstreamAnswered()
            return response
        } catch {
            let failure = describe(error, path: path)
            RequestTrace.record { $0.upstreamError = failure.kind == .gatewayTimeout ? "timeout" : "unreachable" }
            throw failure
        }
    }

    /// Answers that declare at most this many bytes (and are not streams) are read whole
    /// before `execute` returns.
    static let wholeAnswerLimit = 8 * 1024 * 1024

    private func send(
        _ method: HTTPMethod, _ path: String, headers: HTTPHeaders, body: ByteBuffer?, on pool: HTTP1ConnectionPool
    ) async throws -> UpstreamResponse {
        var headers = headers
        headers.replaceOrAdd(name: "host", value: pool.endpoint.authority)
        if let body {
            headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        } else if method == .POST || method == .PUT || method == .PATCH {
            headers.replaceOrAdd(name: "content-length", value: "0")
        }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: pool.endpoint.pathPrefix + path, headers: headers)
        return try await pool.execute(
            HTTP1Request(head: head, body: body, headTimeout: .init(headTimeout), bufferLimit: Self.wholeAnswerLimit))
    }

    /// A request that fails on a pooled connection before any response came back is sent once
    /// more: llama-server closes its connection after every stream while announcing keep-alive,
    /// so the pool can hand out a connection the server has already given up on.
    private func sendThroughAsyncHTTPClient(
        _ method: HTTPMethod, _ path: String, headers: HTTPHeaders, body: ByteBuffer?, through httpClient: HTTPClient, logger: Logger
    ) async throws -> UpstreamResponse {
        var request = HTTPClientRequest(url: base.url(path))
        request.method = method
        request.headers = headers
        if let body { request.body = .bytes(body) }
        var attempt = 1
        while true {
            do {
                return UpstreamResponse(try await httpClient.execute(request, timeout: .init(headTimeout), logger: logger))
            } catch {
                guard attempt == 1, Self.isStaleConnectionFailure(error), !Task.isCancelled else { throw error }
                logger.debug("upstream connection closed before answering; retrying once", metadata: ["error": "\(error)"])
                attempt += 1
            }
        }
    }

    /// Points the client at `url`, where an upstream Switchyard started anew listens.
    func retarget(_ url: UpstreamURL) async {
        target.withLock { $0 = url }
        if case .own(let pool) = transport, let endpoint = url.plainHTTPEndpoint { await pool.retarget(endpoint) }
    }

    /// No more keep-alive: connections close as their answers end (AsyncHTTPClient's pool
    /// closes its own idle ones after a while). `shutdown()` is still due at exit.
    func retire() async {
        if case .own(let pool) = transport { await pool.retire() }
    }

    /// Closes every upstream connection: requests and streams still in flight fail.
    func shutdown() async {
        switch transport {
        case .own(let pool): await pool.shutdown()
        case .asyncHTTPClient(let client): try? await client.shutdown()
        }
    }

    /// Turns an upstream error answer into the same status with the upstream's own message.
    func requireSuccess(_ response: UpstreamResponse) async throws(RequestError) {
        guard response.status.code >= 300 else { return }
        RequestTrace.record { $0.upstreamError = "status_\(response.status.code / 100)xx" }
        let body = try await Self.collect(response, limit: 1024 * 1024, upstream: base)
        let status = Int(response.status.code)
        throw RequestError(
            .upstream(status: status), Self.errorMessage(body, status: response.status),
            retryAfter: status == 429 || status == 503 ? response.headers.first(name: "retry-after") : nil)
    }

    /// Sends a translated JSON body and requires a successful answer.
    func post(
        _ path: String, json body: [String: JSONValue], headers: HTTPHeaders = [:], logger: Logger
    ) async throws(RequestError) -> UpstreamResponse {
        guard let encoded = JSONValue.object(body).encodedBytes() else {
            throw RequestError(.badRequest, "could not encode the translated request: it holds a number JSON cannot carry")
        }
        let bytes = ByteBuffer(bytes: encoded)
        let response = try await execute(.POST, path, headers: headers, body: bytes, logger: logger)
        try await requireSuccess(response)
        return response
    }

    /// Reads a whole JSON answer into `T`; `path` names the request in the error, when given.
    func decode<T: Decodable>(
        _ type: T.Type, from response: UpstreamResponse, limit: Int = 256 * 1024 * 1024, path: String? = nil
    ) async throws(RequestError) -> T {
        try decodeJSON(T.self, try await Self.collect(response, limit: limit, upstream: base), path: path)
    }

    /// A whole reply, read by the scanner when it has a common shape.
    func decode<T: ScannableReply>(
        _ type: T.Type, from response: UpstreamResponse, limit: Int = 256 * 1024 * 1024, path: String? = nil
    ) async throws(RequestError) -> T {
        let body = try await Self.collect(response, limit: limit, upstream: base)
        if let value = body.withUnsafeReadableBytes({ T.scan($0.assumingMemoryBound(to: UInt8.self)) }) { return value }
        return try decodeJSON(T.self, body, path: path)
    }

    /// Whole answers are parsed whole; like request bodies, one with more values than any real
    /// answer (an embeddings batch is the largest) is refused before it is, bounding its memory.
    static let maximumAnswerValues = 16_000_000

    private func decodeJSON<T: Decodable>(_ type: T.Type, _ body: ByteBuffer, path: String?) throws(RequestError) -> T {
        // Counted in place: an answer can be tens of megabytes.
        let withinLimit = body.withUnsafeReadableBytes { JSONValueCount.isWithin(Self.maximumAnswerValues, $0.assumingMemoryBound(to: UInt8.self)) }
        guard withinLimit else {
            throw RequestError(.badGateway, "upstream \(base) sent an answer with more than \(Self.maximumAnswerValues) JSON values")
        }
        guard let value = try? JSONCoding.decoder().decode(T.self, from: Data(body.readableBytesView)) else {
            throw RequestError(.badGateway, "upstream \(base) sent an unreadable answer" + (path.map { " to \($0)" } ?? ""))
        }
        return value
    }

    /// Fetches and decodes a JSON document, for the upstream's metadata endpoints.
    func fetchJSON<T: Decodable>(_ type: T.Type, _ path: String, logger: Logger) async throws(RequestError) -> T {
        let response = try await execute(.GET, path, logger: logger)
        try await requireSuccess(response)
        return try await decode(T.self, from: response, limit: 16 * 1024 * 1024, path: path)
    }

    static func collect(_ response: UpstreamResponse, limit: Int, upstream: UpstreamURL) async throws(RequestError) -> ByteBuffer {
        do {
            return try await response.body.collect(upTo: limit)
        } catch {
            throw RequestError(.badGateway, "upstream \(upstream) failed while sending its answer: \(error)")
        }
    }

    /// The message in an upstream error body, whatever shape it has.
    static func errorMessage(_ body: ByteBuffer, status: HTTPResponseStatus) -> String {
        let bytes = Array(body.readableBytesView)
        if let message = OpenAIErrorBody.message(in: bytes) { return message }
        let text = String(decoding: bytes.prefix(1000), as: UTF8.self).trimmingWhitespace()
        return text.isEmpty ? "upstream answered \(status.code) \(status.reasonPhrase)" : String(text)
    }

    static func isStaleConnectionFailure(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError {
            return error == .remoteConnectionClosed
        }
        if let error = error as? ChannelError {
            return error == .ioOnClosedChannel || error == .eof || error == .outputClosed
        }
        if let error = error as? IOError {
            return [ECONNRESET, EPIPE].contains(error.errnoCode)
        }
        return false
    }

    private func describe(_ error: any Error, path: String) -> RequestError {
        if let error = error as? HTTP1ClientError {
            switch error {
            case .headTimeout: return RequestError(.gatewayTimeout, "upstream \(base) did not answer \(path) within \(headTimeout)")
            case .cancelled: return RequestError(.badGateway, "request to upstream \(base) was cancelled")
            case .shutDown: return RequestError(.upstream(status: 503), "switchyard is shutting down")
            case .closedBeforeAnswer, .closedMidBody, .malformedAnswer:
                return RequestError(.badGateway, "upstream \(base) failed: \(error)")
            }
        }
        if error is ChannelError, "\(error)".contains("connectTimeout") {
            return RequestError(.badGateway, "upstream \(base) is unreachable: connection timed out")
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded:
                return RequestError(.gatewayTimeout, "upstream \(base) did not answer \(path) within \(headTimeout)")
            case .connectTimeout:
                return RequestError(.badGateway, "upstream \(base) is unreachable: connection timed out")
            case .cancelled:
                return RequestError(.badGateway, "request to upstream \(base) was cancelled")
            default: break
            }
        }
        // NIO reports a refused connection in several error types; its text is the common part.
        let text = "\(error)"
        let refused = text.lowercased().contains("connection refused")
        if refused || error is NIOConnectionError || error is IOError {
            let reason = refused ? "connection refused" : String(text.prefix(300))
            return RequestError(.badGateway, "upstream \(base) is unreachable: \(reason)")
        }
        return RequestError(.badGateway, "upstream \(base) failed: \(String(text.prefix(300)))")
    }
}
