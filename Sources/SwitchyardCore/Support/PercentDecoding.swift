/// Decodes `%XX` escapes in a URL path segment (`llama3%3Alatest` → `llama3:latest`).
public enum PercentDecoding {
    public static func decode(_ text: String) -> String {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return text }
        var bytes: [UInt8] = []
        var input = Array(text.utf8)[...]
        while let byte = input.popFirst() {
            if byte == UInt8(ascii: "%"), input.count >= 2, let high = hexValue(input[input.startIndex]),
                let low = hexValue(input[input.startIndex + 1])
            {
                bytes.append(high << 4 | low)
                input = input.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Strict: `UInt8(_:radix:)` would also take a sign, so `%+f` would decode.
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Paths Switchyard sends on to its upstream, checked first: a client must not reach beyond
/// the route it called. `/v1/models/../../admin` matches the `/v1/models/**` route, and an
/// upstream (or a reverse proxy before it) that resolves dot-segments would serve `/admin`,
/// with Switchyard's upstream key attached. So dot-segments, plain or percent-encoded (once or
/// more), encoded slashes and backslashes, and control characters are refused, never resolved.
public enum ForwardedPath {
    public static func check(_ path: String) throws(RequestError) {
        guard path.hasPrefix("/") else { throw RequestError(.badRequest, "invalid request path") }
        for segment in path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            var text = String(decoding: segment, as: UTF8.self)
            // Decoded until nothing changes (bounded): `%252e` is `%2e` to a server that decodes twice.
            for _ in 0..<4 {
                let decoded = PercentDecoding.decode(text)
                if decoded == text { break }
                text = decoded
            }
            if text == "." || text == ".." || text.contains("/") || text.contains("\\")
                || text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
            {
                throw RequestError(.badRequest, "invalid request path: dot-segments, encoded slashes and control characters are not accepted")
            }
        }
    }
}
