import AsyncHTTPClient
import HTTPTypes
import NIOHTTP1
import SwitchyardCore

/// Which headers cross the proxy. Hop-by-hop headers (RFC 9110 §7.6.1, plus any named in
/// `Connection`) describe one connection and must not be forwarded; framing headers are
/// recomputed for the new hop; `Accept-Encoding` is replaced so streams arrive uncompressed.
enum HeaderFilter {
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length", "accept-encoding",
    ]

    /// Client request headers → upstream request headers.
    static func upstream(_ fields: HTTPFields) -> HTTPHeaders {
        let dropped = hopByHop.union(connectionTokens(fields[values: .connection]))
        var headers = HTTPHeaders()
        for field in fields where !dropped.contains(field.name.canonicalName) {
            headers.add(name: field.name.canonicalName, value: field.value)
        }
        return headers
    }

    /// Upstream response headers → client response headers.
    static func client(_ headers: HTTPHeaders) -> HTTPFields {
        let dropped = hopByHop.union(connectionTokens(headers["connection"]))
        var fields = HTTPFields()
        for (name, value) in headers where !dropped.contains(name.lowercased()) {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return fields
    }

    private static func connectionTokens(_ values: [String]) -> Set<String> {
        Set(values.flatMap { $0.split(separator: ",").map { $0.trimmingWhitespace().lowercased() } })
    }

    /// Headers for a streamed response: nothing in front of Switchyard may buffer or cache it,
    /// and the connection ends with it. Watching for a client that hangs up (to cancel the
    /// upstream generation) consumes the connection's inbound side, so it cannot carry another
    /// request; saying so spares clients the race llama-server inflicts by closing silently.
    static func markAsStream(_ fields: inout HTTPFields) {
        fields[.cacheControl] = "no-cache"
        fields[HTTPField.Name("X-Accel-Buffering")!] = "no"
        fields[.connection] = "close"
    }
}
