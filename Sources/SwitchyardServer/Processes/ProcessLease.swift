import Hummingbird
import SwitchyardCore
import Synchronization

/// A request in flight on an upstream Switchyard started: released when its answer has been
/// written (a stream to its end), or when the answer is dropped unwritten, whichever is first.
/// Until then the process is not stopped for idleness, eviction or a reload.
final class ProcessLease: Sendable {
    private let processes: ModelProcesses
    private let upstream: Upstream
    private let keepAlive: KeepAlive?
    private let released = Atomic<Bool>(false)

    init(_ processes: ModelProcesses, _ upstream: Upstream, keepAlive: KeepAlive?) {
        self.processes = processes
        self.upstream = upstream
        self.keepAlive = keepAlive
    }

    func release() {
        guard !released.exchange(true, ordering: .relaxed) else { return }
        let (processes, upstream, keepAlive) = (processes, upstream, keepAlive)
        Task { await processes.release(upstream, keepAlive: keepAlive) }
    }

    deinit { release() }

    /// `response` with its body written through, then the lease released.
    func holding(_ response: Response) -> Response {
        var response = response
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            defer { self.release() }
            try await body.write(writer)
        }
        return response
    }
}

/// What a request asks of an upstream Switchyard starts, beyond its answer: Ollama's
/// `keep_alive`, and whether it only unloads (`keep_alive: 0` with nothing to generate).
struct ProcessIntent: Sendable, Equatable {
    var keepAlive: KeepAlive?
    var unloadOnly = false

    /// Read from the Ollama routes that take `keep_alive`; the others keep the default. A
    /// `keep_alive` that does not read is no `keep_alive` here: the route refuses it.
    init(path: String, body: ByteBuffer) {
        struct Fields: Decodable {
            var keepAlive: KeepAlive?
            var messages: JSONValue?
            var prompt: JSONValue?
            var images: JSONValue?
            enum CodingKeys: String, CodingKey {
                case keepAlive = "keep_alive"
                case messages, prompt, images
            }
        }
        guard ["/api/chat", "/api/generate", "/api/embed", "/api/embeddings"].contains(path),
            let fields = try? JSONCoding.decodeRequest(Fields.self, from: Array(body.readableBytesView))
        else { return }
        keepAlive = fields.keepAlive
        guard keepAlive == .duration(nanoseconds: 0) else { return }
        switch path {
        case "/api/chat": unloadOnly = fields.messages?.arrayValue?.isEmpty ?? true
        case "/api/generate": unloadOnly = (fields.prompt?.stringValue ?? "").isEmpty && (fields.images?.arrayValue?.isEmpty ?? true)
        default: break
        }
    }
}
