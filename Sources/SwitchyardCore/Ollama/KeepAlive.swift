/// How long a model stays listed in `/api/ps` after use: a number of seconds or a Go duration
/// string (`"5m"`, `"1h30m"`); negative means forever, zero means unload now.
public enum KeepAlive: Sendable, Equatable {
    case forever
    case duration(nanoseconds: Int64)

    public static let `default` = KeepAlive.duration(nanoseconds: 5 * 60 * 1_000_000_000)

    public init(seconds: Double) {
        self = seconds < 0 ? .forever : .duration(nanoseconds: Int64((seconds * 1e9).rounded()))
    }

    /// Parses Go's `time.ParseDuration` syntax; a bare number counts as seconds, as Ollama does.
    public init?(parsing text: String) {
        let trimmed = String(text.trimmingWhitespace())
        if let seconds = Double(trimmed) {
            self.init(seconds: seconds)
            return
        }
        guard let nanos = Self.goDuration(trimmed) else { return nil }
        self = nanos < 0 ? .forever : .duration(nanoseconds: nanos)
    }

    private static let units: [(String, Double)] = [
        ("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
    ]

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
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unitText = rest.prefix { !($0.isNumber || $0 == ".") }
            guard let unit = units.first(where: { $0.0 == unitText }) else { return nil }
            rest = rest.dropFirst(unitText.count)
            total += value * unit.1
        }
        return Int64((sign * total).rounded())
    }
}

extension KeepAlive: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let seconds = try? container.decode(Double.self) {
            self.init(seconds: seconds)
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
