import HTTPTypes
import Hummingbird
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Protection against DNS rebinding, as Ollama applies it when listening on loopback: a page on
/// an attacker's domain that resolves to 127.0.0.1 still sends its own name in `Host`, so only
/// local names and addresses are served.
public struct HostPolicy: Sendable, Equatable {
    public var extraHosts: [String]

    public init(extraHosts: [String] = []) {
        self.extraHosts = extraHosts.map { $0.lowercased() }
    }

    public func allows(host authority: String?) -> Bool {
        guard let authority, !authority.isEmpty else { return true }
        if Self.isPlainLoopback(authority) { return true }
        let host = Self.hostName(authority).lowercased()
        if host == "localhost" || host.hasSuffix(".localhost") || host.hasSuffix(".local") || host.hasSuffix(".internal") { return true }
        if extraHosts.contains(host) || host == Self.machineName { return true }
        return Self.isLocalAddress(host)
    }

    /// `127.0.0.1` or `localhost`, with or without a numeric port: what nearly every request
    /// carries, recognised without building strings (the general check below costs a dozen).
    static func isPlainLoopback(_ authority: String) -> Bool {
        let bytes = authority.utf8
        for name in ["127.0.0.1".utf8, "localhost".utf8] where bytes.starts(with: name) {
            let rest = bytes.dropFirst(name.count)
            guard let colon = rest.first else { return true }
            return colon == UInt8(ascii: ":") && rest.count > 1 && rest.dropFirst().allSatisfy { (0x30...0x39).contains($0) }
        }
        return false
    }

    /// The host part of `host:port`, `[v6]:port`, `[v6]`.
    static func hostName(_ authority: String) -> String {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<close])
        }
        if let colon = authority.lastIndex(of: ":"), authority.firstIndex(of: ":") == colon { return String(authority[..<colon]) }
        return authority
    }

    /// Loopback, private, link-local and unspecified addresses.
    static func isLocalAddress(_ host: String) -> Bool {
        let octets = host.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        if octets.count == 4, host.split(separator: ".").count == 4 {
            switch (octets[0], octets[1]) {
            case (127, _), (10, _), (0, _), (192, 168), (169, 254): return true
            case (172, 16...31): return true
            default: return false
            }
        }
        let v6 = host.lowercased()
        guard v6.contains(":") else { return false }
        return v6 == "::1" || v6 == "::" || v6.hasPrefix("fe80:") || v6.hasPrefix("fc") || v6.hasPrefix("fd")
    }

    static let machineName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).lowercased()
    }()

    /// Whether a listen address is loopback, where the check applies by default.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host.hasPrefix("127.") || host == "::1"
    }
}

struct HostCheckMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: HostPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard policy.allows(host: request.head.authority) else {
            context.logger.notice("refused a request for a non-local Host", metadata: ["host": "\(request.head.authority ?? "")"])
            return Response(status: .forbidden)
        }
        return try await next(request, context)
    }
}
