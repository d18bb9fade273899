import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SwitchyardServer
import Synchronization
import Testing

/// A running Switchyard in front of a running fake upstream, both on free loopback ports.
struct Proxy: Sendable {
    let client: any TestClientProtocol
    let log: UpstreamLog
    var port: Int { client.port! }
    var url: String { "http://127.0.0.1:\(port)" }

    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

/// A fake upstream server the proxy is tested against.
protocol FakeServer: Sendable {
    var log: UpstreamLog { get }
    func router() -> Router<BasicRequestContext>
}

func withProxy(
    upstream: some FakeServer = FakeUpstream(), configure: @Sendable (inout SwitchyardConfiguration) throws -> Void = { _ in },
    logs: CapturedLogs? = nil, _ test: @Sendable (Proxy) async throws -> Void
) async throws {
    let fake = Application(router: upstream.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    try await fake.test(.live) { upstreamClient in
        var configuration = SwitchyardConfiguration(
            listen: .init(host: "127.0.0.1", port: 0), upstream: try UpstreamURL("http://127.0.0.1:\(upstreamClient.port!)/v1"))
        try configure(&configuration)
        var logger = logs.map { logs in Logger(label: "switchyard-test") { _ in logs } } ?? Logger(label: "switchyard-test")
        // SWITCHYARD_TEST_LOG=debug shows the server's own log while debugging a test.
        logger.logLevel =
            logs != nil ? .info : ProcessInfo.processInfo.environment["SWITCHYARD_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .critical
        let app = try buildApplication(configuration: configuration, logger: logger)
        try await app.test(.ahc(.http)) { client in
            try await test(Proxy(client: client, log: upstream.log))
        }
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    var json: [String: Any] {
        get throws { try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]) }
    }

    /// The objects of an NDJSON body, one per line.
    var lines: [[String: Any]] {
        get throws {
            try text.split(separator: "\n").map { line in
                try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            }
        }
    }
}

/// A log handler that keeps what was logged, for tests that check log lines.
final class CapturedLogs: LogHandler, @unchecked Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }.mapValues { "\($0)" }
        entries.withLock { $0.append(Entry(level: event.level, message: "\(event.message)", metadata: merged)) }
    }

    var all: [Entry] { entries.withLock { $0 } }
    var requests: [Entry] { all.filter { $0.message == "request" } }
}
