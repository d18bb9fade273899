/// How long a model stays listed in `/api/ps` after use: a number of seconds or a Go duration
/// string (`"5m"`, `"1h30m"`); negative means forever, zero means unload now.
public enum KeepAlive: Sendable, Equatable {
    case forever
    case duration(nanoseconds: Int64)

    public static let `default` = KeepAlive.duration(nanoseconds: 5 * 60 * 1_000_000_000)

    /// A number of seconds, as Ollama takes a JSON number. Beyond what nanoseconds in an
    /// `Int64` hold (about 292 years) it saturates, which is forever in practice; NaN and
    /// infinities are not durations.
    public init?(seconds: Double) {
        guard seconds.isFinite else { return nil }
        if seconds < 0 {
            self = .forever
            return
        }
        guard let nanoseconds = Int64(saturating: seconds * 1e9) else { return nil }
        self = .duration(nanoseconds: nanoseconds)
    }

    /// Parses Go's `time.ParseDuration` syntax; a bare number counts as seconds, as Ollama does.
    /// Like Go, a duration that overflows is refused rather than wrapped.
    public init?(parsing text: String) {
        let trimmed = String(text.trimmingWhitespace())
        guard trimmed.utf8.count <= 64 else { return nil }
        if trimmed.utf8.allSatisfy({ Self.isDecimalByte($0) }), let seconds = Double(trimmed) {
            self.init(seconds: seconds)
            return
        }
        guard let nanos = Self.goDuration(trimmed) else { return nil }
        self = nanos < 0 ? .forever : .duration(nanoseconds: nanos)
    }

    private static let units: [(String, Double)] = [
        ("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
    ]

    /// Digits, sign, point and exponent: what a bare number of seconds may contain. Keeps
    /// `nan`, `inf` and hexadecimal floats, which `Double.init` would accept, out.
    private static func isDecimalByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }

    private static func goDuration(_ text: String) -> Int64? {
        var rest = Substring(text)
        var sign = 1.0
        if let first = rest.first, first == "-" || first == "+" {
            sign = first == "-" ? -1 : 1
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number), value.isFinite else { return nil }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let unit = units.first(where: { $0.0 == unitText }) else { return nil }
            rest = rest.dropFirst(unitText.count)
            total += value * unit.1
        }
        // Go refuses a duration past ±2^63 ns ("invalid duration"); so does this.
        guard total.magnitude < 9_223_372_036_854_775_808.0 else { return nil }
        return Int64(saturating: sign * total)
    }
}

extension KeepAlive: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let seconds = try? container.decode(Double.self) {
            guard let value = KeepAlive(seconds: seconds) else {
                throw RequestError(.badRequest, "invalid keep_alive: \(seconds) is not a number of seconds")
            }
            self = value
        } else if let text = try? container.decode(String.self) {
            guard let parsed = KeepAlive(parsing: text) else {
                throw RequestError(.badRequest, "invalid keep_alive duration \"\(text)\"")
            }
            self = parsed
        } else {
            throw RequestError(.badRequest, "keep_alive must be a number of seconds or a duration string")
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing white space.
    public func trimmingWhitespace() -> Substring {
        let scalars = self[...]
        guard let start = scalars.firstIndex(where: { !$0.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return Substring(scalars[start...end])
    }
}
