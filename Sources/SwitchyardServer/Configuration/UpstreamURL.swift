import SwitchyardCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The upstream's base URL, accepted with or without a trailing `/v1` (users copy either form
/// from their server's docs). `root` has neither, so both `/v1/…` and `/api/…` hang off it.
///
/// Credentials in the URL (`http://user:pass@host`) are taken out at once and kept only as the
/// `Authorization` header they stand for: `root` and `description`, which error messages and
/// logs print, never hold them.
public struct UpstreamURL: Sendable, Equatable, CustomStringConvertible {
    public let root: String
    /// `Basic …` for the URL's userinfo, if it had any.
    let basicAuthorization: String?

    public init(_ text: String) throws(ConfigurationError) {
        var url = String(text.trimmingWhitespace())
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), url.count > (lower.hasPrefix("https") ? 8 : 7) else {
            throw ConfigurationError("invalid upstream URL '\(Self.redacted(text))': expected http://host:port or https://host")
        }
        (url, basicAuthorization) = Self.splitUserinfo(url)
        while url.hasSuffix("/") { url.removeLast() }
        if url.lowercased().hasSuffix("/v1") { url.removeLast(3) }
        while url.hasSuffix("/") { url.removeLast() }
        root = url
    }

    /// A loopback URL on `port`, for an upstream Switchyard starts itself.
    init(loopbackPort port: Int) {
        root = "http://127.0.0.1:\(port)"
        basicAuthorization = nil
    }

    /// The URL of a path on the upstream; `path` starts with `/`.
    public func url(_ path: String) -> String { root + path }

    public var description: String { root }

    /// The URL without its userinfo, and the Basic credentials it held.
    private static func splitUserinfo(_ url: String) -> (url: String, authorization: String?) {
        guard let schemeEnd = url.firstRange(of: "://") else { return (url, nil) }
        let authorityEnd = url[schemeEnd.upperBound...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? url.endIndex
        let authority = url[schemeEnd.upperBound..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return (url, nil) }
        let userinfo = PercentDecoding.decode(String(authority[..<at]))
        let stripped = String(url[..<schemeEnd.upperBound]) + authority[authority.index(after: at)...] + url[authorityEnd...]
        return (stripped, "Basic " + Data(userinfo.utf8).base64EncodedString())
    }

    /// `text` with any userinfo replaced, for messages about a URL that did not parse.
    static func redacted(_ text: String) -> String {
        let (url, authorization) = splitUserinfo(text)
        guard authorization != nil, let schemeEnd = url.firstRange(of: "://") else { return url }
        return String(url[..<schemeEnd.upperBound]) + "***@" + url[schemeEnd.upperBound...]
    }
}
