import SwitchyardCore

/// Where the server listens. Parses Switchyard's `host:port` and Ollama's `OLLAMA_HOST` forms:
/// `host`, `host:port`, `:port`, `[::1]:port`, and any of them behind `http://`.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public init(parsing text: String, defaultPort: Int = 11434) throws(ConfigurationError) {
        var rest = Substring(text.trimmingWhitespace())
        for scheme in ["http://", "https://"] where rest.lowercased().hasPrefix(scheme) {
            rest = rest.dropFirst(scheme.count)
        }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        var host = rest
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw ConfigurationError("invalid listen address '\(text)'") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw ConfigurationError("invalid listen address '\(text)'")
            }
        } else if let colon = rest.lastIndex(of: ":"), rest.firstIndex(of: ":") == colon {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        }
        let port: Int
        if let portText {
            guard let parsed = Int(portText), (0...65535).contains(parsed) else {
                throw ConfigurationError("invalid port in listen address '\(text)'")
            }
            port = parsed
        } else {
            port = defaultPort
        }
        self.host = host.isEmpty ? "127.0.0.1" : String(host)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
