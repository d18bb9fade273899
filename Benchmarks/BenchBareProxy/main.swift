// The mandated stack and nothing else: a Hummingbird server whose two routes post the request
// body to the same path upstream with AsyncHTTPClient (configured as Switchyard's) and return
// the whole answer, or relay it piece by piece when it is a stream. No dialects, no
// translation, no checks, no logging, no metrics. What it costs is what any proxy built on
// Hummingbird and AsyncHTTPClient pays before doing anything of its own; the harness prints it
// beside Switchyard's figures as the stack's ceiling.
//   BenchBareProxy <port> <upstream-base-url>
import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOPosix

let arguments = CommandLine.arguments
guard arguments.count == 3, let port = Int(arguments[1]) else {
    print("usage: BenchBareProxy <port> <upstream-base-url>")
    exit(64)
}
let upstream = arguments[2]

var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, decompression: .disabled)
configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 256
configuration.tracing.tracer = nil
let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)

/// Posts the body to the same path upstream; a streamed answer is relayed piece by piece as it
/// arrives, anything else returned whole.
@Sendable func forward(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
    var request = request
    var outbound = HTTPClientRequest(url: upstream + request.uri.path)
    outbound.method = .POST
    outbound.headers.add(name: "content-type", value: "application/json")
    outbound.body = .bytes(try await request.collectBody(upTo: 1 << 24))
    let answer = try await client.execute(outbound, timeout: .seconds(60))
    let status = HTTPResponse.Status(code: Int(answer.status.code))
    let type = answer.headers.first(name: "content-type") ?? "application/json"
    guard type.hasPrefix("text/event-stream") || type.contains("ndjson") else {
        let body = try await answer.body.collect(upTo: 1 << 24)
        return Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: body))
    }
    return Response(
        status: status, headers: [.contentType: type],
        body: ResponseBody { writer in
            for try await buffer in answer.body { try await writer.write(buffer) }
            try await writer.finish(nil)
        })
}

let router = Router()
router.post("/v1/chat/completions", use: forward)
router.post("/api/chat", use: forward)
var logger = Logger(label: "bare-proxy")
logger.logLevel = .warning
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), backlog: 4096), logger: logger)
try await app.runService()
