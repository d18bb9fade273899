/// A moment as the translators need it: a monotonic reading for durations and a wall-clock
/// reading for `created_at`. The server samples real clocks; tests pass fixed values.
public struct Timestamp: Sendable, Equatable {
    public var monotonicNanoseconds: UInt64
    public var unixNanoseconds: Int64

    public init(monotonicNanoseconds: UInt64, unixNanoseconds: Int64) {
        self.monotonicNanoseconds = monotonicNanoseconds
        self.unixNanoseconds = unixNanoseconds
    }

    public func nanoseconds(since earlier: Timestamp) -> Int64 {
        monotonicNanoseconds >= earlier.monotonicNanoseconds ? Int64(monotonicNanoseconds - earlier.monotonicNanoseconds) : 0
    }

    /// RFC 3339 in UTC with nanoseconds, Ollama's format for `created_at`.
    public var rfc3339: String { Self.rfc3339(unixNanoseconds: unixNanoseconds) }

    public static func rfc3339(unixNanoseconds: Int64) -> String {
        let seconds = unixNanoseconds >= 0 ? unixNanoseconds / 1_000_000_000 : (unixNanoseconds - 999_999_999) / 1_000_000_000
        let nanos = unixNanoseconds - seconds * 1_000_000_000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(secondOfDay / 3600, 2)):"
            + "\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(nanos, 9))Z"
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `civil_from_days`).
    static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
