import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import SwitchyardCore

/// Bounds on a request's head, in two tiers. NIO's parser refuses what is past the hard limits
/// before any handler runs (a bare 400 and a closed connection: nothing else can be said that
/// early). Below them, this middleware refuses a head past the soft limits with a 431 in the
/// caller's dialect, so a misbehaving client learns why. No client of an LLM API sends
/// anything near either: the official SDKs send about a dozen short headers.
struct HeaderLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    static var maximumFieldCount: Int { 100 }
    static var maximumHeadBytes: Int { 32 * 1024 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var count = 0
        var bytes = request.uri.description.utf8.count
        for field in request.headers {
            count += 1
            bytes += field.name.rawName.utf8.count + field.value.utf8.count + 4
        }
        guard count <= Self.maximumFieldCount, bytes <= Self.maximumHeadBytes else {
            throw RequestError(
                .headersTooLarge,
                "request header fields too large: at most \(Self.maximumFieldCount) fields and \(Self.maximumHeadBytes) bytes are accepted")
        }
        return try await next(request, context)
    }
}

extension HeaderLimitMiddleware where Context == SwitchyardRequestContext {
    /// The parser's hard limits (NIO's defaults are 80 KiB and 1,000 fields), and the idle
    /// timeout that closes a connection a client holds without sending (a slow-loris client
    /// would otherwise keep thousands open).
    static func channelConfiguration(idleTimeout: Duration) -> HTTP1Channel.Configuration {
        HTTP1Channel.Configuration(
            idleTimeout: TimeAmount(idleTimeout),
            httpDecoderConfiguration: .init(maxHeaderFieldSize: 64 * 1024, maxHeaderListSize: 64 * 1024, maxHeaderFieldCount: 256))
    }
}
