import AsyncHTTPClient
import Logging
import NIOCore
import NIOHTTP1
import SwitchyardCore
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Knows which dialect the upstream speaks. With `auto` it asks the upstream once: an Ollama
/// server answers `GET /api/version` with `{"version": …}`, an OpenAI-compatible one does not.
/// An upstream that cannot be reached yet is not a fatal error: the probe runs again on the
/// next request, and until then requests are treated as OpenAI-compatible.
///
/// Not an actor: every request asks, and a lock-protected read costs no executor hop.
public final class DialectResolver: Sendable {
    private let client: UpstreamClient
    private let logger: Logger
    private let detected: Mutex<UpstreamDialect?>

    public init(setting: UpstreamDialectSetting, client: UpstreamClient, logger: Logger) {
        self.client = client
        self.logger = logger
        switch setting {
        case .openAI: detected = Mutex(.openAI)
        case .ollama: detected = Mutex(.ollama)
        case .auto: detected = Mutex(nil)
        }
    }

    public func current() async -> UpstreamDialect {
        if let known = detected.withLock({ $0 }) { return known }
        do {
            let response = try await client.execute(.GET, "/api/version", logger: logger)
            let body = try await UpstreamClient.collect(response, limit: 64 * 1024, upstream: client.base)
            // A server error or a refusal to serve now says nothing about the dialect: an
            // Ollama still loading, or a proxy before it, must not be pinned as OpenAI for the
            // life of the process. Asked again on the next request.
            if response.status.code >= 500 || response.status.code == 429 || response.status.code == 408 {
                logger.warning(
                    "upstream answered the dialect probe with an error; will retry",
                    metadata: [
                        "upstream": "\(client.base)", "status": "\(response.status.code)",
                    ])
                return .openAI
            }
            let version = (try? JSONCoding.decoder().decode(JSONValue.self, from: Data(body.readableBytesView)))?["version"]
            let dialect: UpstreamDialect = response.status == .ok && version?.stringValue != nil ? .ollama : .openAI
            detected.withLock { $0 = dialect }
            logger.notice("detected upstream dialect", metadata: ["upstream": "\(client.base)", "dialect": "\(dialect.rawValue)"])
            return dialect
        } catch {
            logger.warning(
                "upstream not reachable for dialect detection; will retry",
                metadata: [
                    "upstream": "\(client.base)", "error": "\(error)",
                ])
            return .openAI
        }
    }
}
