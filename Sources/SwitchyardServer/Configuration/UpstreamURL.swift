import SwitchyardCore

/// The upstream's base URL, accepted with or without a trailing `/v1` (users copy either form
/// from their server's docs). `root` has neither, so both `/v1/…` and `/api/…` hang off it.
public struct UpstreamURL: Sendable, Equatable, CustomStringConvertible {
    public let root: String

    public init(_ text: String) throws(ConfigurationError) {
        var url = String(text.trimmingWhitespace())
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), url.count > (lower.hasPrefix("https") ? 8 : 7) else {
            throw ConfigurationError("invalid upstream URL '\(text)': expected http://host:port or https://host")
        }
        while url.hasSuffix("/") { url.removeLast() }
        if url.lowercased().hasSuffix("/v1") { url.removeLast(3) }
        while url.hasSuffix("/") { url.removeLast() }
        root = url
    }

    /// The URL of a path on the upstream; `path` starts with `/`.
    public func url(_ path: String) -> String { root + path }

    public var description: String { root }
}
