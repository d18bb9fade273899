import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// One structured log line per request, written when the response is handed over in full (for
/// a stream, when it ends), with a request id echoed in `X-Request-Id`. Bodies — prompts and
/// completions — are never logged.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    static var requestIDHeader: HTTPField.Name { HTTPField.Name("X-Request-Id")! }
    let metrics: SwitchyardMetrics?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = request.headers[Self.requestIDHeader].flatMap(Self.acceptableID) ?? context.id
        let trace = RequestTrace()
        var response = try await RequestTrace.$current.withValue(trace) { try await next(request, context) }
        response.headers[Self.requestIDHeader] = id
        let method = request.method.rawValue
        let path = request.uri.path
        let status = Int(response.status.code)
        // Building the line (and setting logger metadata, which the stream handler re-renders)
        // is skipped when request lines are not logged at all.
        let logger: Logger? =
            context.logger.logLevel <= .info
            ? {
                var logger = context.logger
                logger[metadataKey: "request_id"] = "\(id)"
                return logger
            }() : nil
        let metrics = self.metrics
        let finished: @Sendable (_ bytes: Int, _ firstByteAt: UInt64?, _ failed: Bool) -> Void = { bytes, firstByte, failed in
            let facts = trace.snapshot
            let now = NIODeadline.now().uptimeNanoseconds
            let total = now - trace.startNanoseconds
            metrics?.finished(
                path: path, status: status, facts: facts, totalNanoseconds: total,
                firstByteNanoseconds: firstByte.map { $0 - trace.startNanoseconds })
            guard let logger else { return }
            var metadata: Logger.Metadata = [
                "method": "\(method)", "path": "\(path)", "status": "\(status)", "bytes": "\(bytes)",
                "total_ms": "\(Self.milliseconds(total))",
            ]
            if let model = facts.model { metadata["model"] = "\(model)" }
            if let upstream = facts.upstream { metadata["upstream"] = "\(upstream)" }
            if let translation = facts.translation { metadata["translation"] = "\(translation)" }
            if let head = facts.upstreamHeadNanoseconds { metadata["upstream_ms"] = "\(Self.milliseconds(head))" }
            if let firstByte { metadata["ttfb_ms"] = "\(Self.milliseconds(firstByte - trace.startNanoseconds))" }
            if failed { metadata["interrupted"] = "true" }
            logger.info("request", metadata: metadata)
        }
        if let length = response.body.contentLength {
            // A body of known length is one buffer already in memory (every handler builds it
            // so). Hummingbird sends such a body with its head in one write; wrapping it to
            // watch the write would cost two more writes and flushes per request. So it counts
            // as sent when it is handed over.
            finished(length, length > 0 ? NIODeadline.now().uptimeNanoseconds : nil, false)
        } else {
            metrics?.streamStarted()
            response.body = Self.observing(response.body) { bytes, firstByte, failed in
                metrics?.streamEnded()
                finished(bytes, firstByte, failed)
            }
        }
        return response
    }

    /// Wraps a body to count what it writes and learn when it ends (or breaks off).
    static func observing(
        _ body: ResponseBody, done: @escaping @Sendable (_ bytes: Int, _ firstByteAt: UInt64?, _ failed: Bool) -> Void
    ) -> ResponseBody {
        ResponseBody(contentLength: body.contentLength) { writer in
            let counter = ByteCounter()
            do {
                try await body.write(
                    writer.map { buffer in
                        counter.add(buffer.readableBytes)
                        return buffer
                    })
                done(counter.bytes, counter.firstByteAt, false)
            } catch {
                done(counter.bytes, counter.firstByteAt, true)
                throw error
            }
        }
    }

    static func milliseconds(_ nanoseconds: UInt64) -> String {
        let tenths = (nanoseconds + 50_000) / 100_000
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// Clients may bring their own id (a gateway's trace id, say) if it is short and printable.
    static func acceptableID(_ value: String) -> String? {
        value.count <= 128 && !value.isEmpty && value.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F } ? value : nil
    }
}

private final class ByteCounter: Sendable {
    private let state = Mutex<(bytes: Int, firstByteAt: UInt64?)>((0, nil))

    func add(_ count: Int) {
        state.withLock { state in
            if state.firstByteAt == nil, count > 0 { state.firstByteAt = NIODeadline.now().uptimeNanoseconds }
            state.bytes += count
        }
    }

    var bytes: Int { state.withLock { $0.bytes } }
    var firstByteAt: UInt64? { state.withLock { $0.firstByteAt } }
}
