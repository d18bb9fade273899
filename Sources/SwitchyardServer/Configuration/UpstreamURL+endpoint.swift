extension UpstreamURL {
    /// Where a plain-HTTP upstream is, for Switchyard's own client; nil for `https://` (which
    /// AsyncHTTPClient carries) and for an authority it cannot read.
    var plainHTTPEndpoint: HTTP1ConnectionPool.Endpoint? {
        let scheme = "http://"
        guard root.lowercased().hasPrefix(scheme) else { return nil }
        let rest = root.dropFirst(scheme.count)
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let prefix = String(rest[authorityEnd...])
        guard prefix.allSatisfy({ $0 != "?" && $0 != "#" }) else { return nil }
        let host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            // An IPv6 literal: [::1]:8080
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        let port = portText.map { Int($0) } ?? 80
        // Port 0 stands for the one an upstream Switchyard starts gets at each start.
        guard !host.isEmpty, let port, (0...65535).contains(port) else { return nil }
        return .init(host: String(host), port: port, pathPrefix: prefix, authority: String(authority))
    }
}
