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

    /// Read from the Ollama routes that take `keep_alive`; the others keep the default.
    init(path: String, body: ByteBuffer) {
        guard ["/api/chat", "/api/generate", "/api/embed", "/api/embeddings"].contains(path),
            case .object(let object)? = try? JSONCoding.decodeRequest(JSONValue.self, from: Array(body.readableBytesView))
        else { return }
        switch object["keep_alive"] {
        case .int(let seconds)?: keepAlive = KeepAlive(seconds: Double(seconds))
        case .double(let seconds)?: keepAlive = KeepAlive(seconds: seconds)
        case .string(let text)?: keepAlive = KeepAlive(parsing: text)
        default: break
        }
        guard keepAlive == .duration(nanoseconds: 0) else { return }
        switch path {
        case "/api/chat": unloadOnly = object["messages"]?.arrayValue?.isEmpty ?? true
        case "/api/generate":
            unloadOnly = (object["prompt"]?.stringValue ?? "").isEmpty && (object["images"]?.arrayValue?.isEmpty ?? true)
        default: break
        }
    }
}
