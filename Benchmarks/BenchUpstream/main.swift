// A fast fake LLM server for benchmarks, speaking both dialects from canned bytes.
//
// The model name carries the stream's shape, so it survives Switchyard's translation:
// `bench-<chunks>-<delayMilliseconds>`; e.g. `bench-1000-0` streams 1,000 chunks back to back,
// `bench-100-20` streams 100 chunks 20 ms apart. Non-streaming requests get one canned reply.
//   BenchUpstream <port>
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

// BENCH_EXTRA_MODELS (comma-separated) lists more shapes, e.g. the soak's long streams.
let models =
    ["bench-1-0", "bench-1000-0", "bench-100-20"]
    + (ProcessInfo.processInfo.environment["BENCH_EXTRA_MODELS"] ?? "").split(separator: ",").map(String.init)

func shape(_ body: ByteBuffer) -> (chunks: Int, delay: Duration) {
    let text = String(buffer: body)
    var chunks = 1
    var delay = Duration.zero
    if let range = text.range(of: "bench-") {
        let parts = text[range.upperBound...].prefix { $0.isNumber || $0 == "-" }.split(separator: "-")
        if parts.count >= 2, let c = Int(parts[0]), let d = Int(parts[1]) {
            chunks = c
            delay = .milliseconds(d)
        }
    }
    return (chunks, delay)
}

let sseChunk = ByteBuffer(
    string:
        #"data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench","choices":[{"index":0,"delta":{"content":" token"},"finish_reason":null}]}"#
        + "\n\n")
let sseEnd = ByteBuffer(
    string:
        #"data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":100,"total_tokens":112}}"#
        + "\n\ndata: [DONE]\n\n")
let ndjsonChunk = ByteBuffer(
    string: #"{"model":"bench","created_at":"2025-01-01T00:00:00.000000000Z","message":{"role":"assistant","content":" token"},"done":false}"# + "\n")
let ndjsonEnd = ByteBuffer(
    string:
        #"{"model":"bench","created_at":"2025-01-01T00:00:00.000000000Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop","total_duration":1000,"prompt_eval_count":12,"eval_count":100,"eval_duration":900}"#
        + "\n")
let completion = ByteBuffer(
    string:
        #"{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the benchmark upstream."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}"#
)
let ollamaReply = ByteBuffer(
    string:
        #"{"model":"bench","created_at":"2025-01-01T00:00:00.000000000Z","message":{"role":"assistant","content":"Hello from the benchmark upstream."},"done":true,"done_reason":"stop","prompt_eval_count":12,"eval_count":7}"#
)

/// Wall-clock microseconds, which a client on the same machine can compare with its own.
func wallMicroseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
}

/// A paced stream's chunks carry their send time in the text (` ts<µs>`), which survives any
/// translation, so the client can measure each chunk's trip; back-to-back streams send the
/// canned chunk, `batch` events to a write: one event per write made this fake the bottleneck
/// (130 k events/s on its core), so every proxy's figure measured its cost per socket read.
let batch = 25

func stream(_ chunk: ByteBuffer, _ end: ByteBuffer, count: Int, delay: Duration, type: String) -> Response {
    Response(
        status: .ok, headers: [.contentType: type],
        body: ResponseBody { writer in
            for _ in 0..<count where delay > .zero {
                try await Task.sleep(for: delay)
                try await writer.write(
                    ByteBuffer(string: String(buffer: chunk).replacingOccurrences(of: " token", with: " ts\(wallMicroseconds())")))
            }
            if delay == .zero {
                var events = ByteBuffer()
                for sent in 0..<count {
                    events.writeImmutableBuffer(chunk)
                    if (sent + 1) % batch == 0 || sent == count - 1 {
                        try await writer.write(events)
                        events.clear()
                    }
                }
            }
            try await writer.write(end)
            try await writer.finish(nil)
        })
}

func json(_ buffer: ByteBuffer) -> Response {
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
}

let router = Router()
router.get("/v1/models") { _, _ in
    json(
        ByteBuffer(
            string: #"{"object":"list","data":["#
                + models.map { #"{"id":"\#($0)","object":"model","created":1700000000,"owned_by":"bench"}"# }.joined(separator: ",") + "]}"))
}
router.get("/api/version") { _, _ in json(ByteBuffer(string: #"{"version":"0.12.11"}"#)) }
router.get("/api/tags") { _, _ in
    json(
        ByteBuffer(
            string: #"{"models":["#
                + models.map {
                    #"{"name":"\#($0):latest","model":"\#($0):latest","modified_at":"2025-01-01T00:00:00Z","size":1,"digest":"0","details":{}}"#
                }.joined(separator: ",") + "]}"))
}
router.post("/v1/chat/completions") { request, _ in
    var request = request
    let body = try await request.collectBody(upTo: 1 << 24)
    let (chunks, delay) = shape(body)
    let streaming = String(buffer: body).contains(#""stream":true"#)
    return streaming ? stream(sseChunk, sseEnd, count: chunks, delay: delay, type: "text/event-stream") : json(completion)
}
router.post("/api/chat") { request, _ in
    var request = request
    let body = try await request.collectBody(upTo: 1 << 24)
    let (chunks, delay) = shape(body)
    // Ollama streams unless told `false`.
    let streaming = !String(buffer: body).contains(#""stream":false"#)
    return streaming ? stream(ndjsonChunk, ndjsonEnd, count: chunks, delay: delay, type: "application/x-ndjson") : json(ollamaReply)
}

let port = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 18080 : 18080
var logger = Logger(label: "bench-upstream")
logger.logLevel = .warning
let app = Application(
    router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil, backlog: 4096), logger: logger)
try await app.runService()
