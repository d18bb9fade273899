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
        var bytes: [UInt8] = []
        appendRFC3339(unixNanoseconds: unixNanoseconds, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `2025-10-26T17:15:24.097767000Z`, written digit by digit: every streamed Ollama object
    /// carries one, so it is on the per-chunk path.
    static func appendRFC3339(unixNanoseconds: Int64, to bytes: inout [UInt8]) {
        let seconds = floorSecond(unixNanoseconds)
        let nanos = fraction(unixNanoseconds)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        func digits(_ value: Int64, _ width: Int) { appendDigits(value, width: width, to: &bytes) }
        digits(year, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3600, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay / 60 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2)
        bytes.append(UInt8(ascii: "."))
        digits(nanos, 9)
        bytes.append(UInt8(ascii: "Z"))
    }

    /// The Unix second an instant falls in (rounding down, also before 1970).
    static func floorSecond(_ unixNanoseconds: Int64) -> Int64 {
        // Written without `x - 999_999_999`, which overflows near Int64.min.
        let quotient = unixNanoseconds / 1_000_000_000
        return unixNanoseconds % 1_000_000_000 < 0 ? quotient - 1 : quotient
    }

    /// The nanoseconds past the second an instant falls in, 0 up to 999,999,999 (computed
    /// without `seconds * 1e9`, which overflows near the ends of the range).
    static func fraction(_ unixNanoseconds: Int64) -> Int64 {
        let remainder = unixNanoseconds % 1_000_000_000
        return remainder < 0 ? remainder + 1_000_000_000 : remainder
    }

    /// `value` in decimal, zero-padded to `width`: written right to left into a small stack
    /// buffer, then copied — one division per digit.
    static func appendDigits(_ value: Int64, width: Int, to bytes: inout [UInt8]) {
        var value = value
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            value = -value
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var end = 20
            repeat {
                end -= 1
                buffer[end] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            } while value > 0 || 20 - end < width
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[end..<20]))
        }
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

    /// Parses RFC 3339 (`2025-05-04T17:37:44.706015396-07:00`, `…Z`) to Unix seconds.
    public static func unixSeconds(rfc3339 text: String) -> Int64? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[range] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard bytes.count >= 20, let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var index = 19
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, (48...57).contains(bytes[index]) { index += 1 }
        }
        var offset: Int64 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            guard let hours = number(index + 1..<index + 3), let minutes = number(index + 4..<index + 6) else { return nil }
            offset = (hours * 3600 + minutes * 60) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
        }
        return daysSinceEpoch(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset
    }

    /// A proleptic Gregorian date to days since 1970-01-01 (H. Hinnant's `days_from_civil`).
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// The part of an RFC 3339 timestamp that changes once a second (`2025-10-26T17:15:24.`), kept
/// by a stream translator so that each chunk writes only its fraction: every streamed Ollama
/// object carries a `created_at`.
struct RFC3339SecondPrefix: Sendable {
    /// The instant the prefix's second starts at, in Unix nanoseconds; nil before the first update.
    private var secondStart: Int64?
    private var prefix: [UInt8] = []

    mutating func update(for time: Timestamp) {
        let start = time.unixNanoseconds - Timestamp.fraction(time.unixNanoseconds)
        guard start != secondStart else { return }
        secondStart = start
        prefix.removeAll(keepingCapacity: true)
        Timestamp.appendRFC3339(unixNanoseconds: start, to: &prefix)
        prefix.removeLast(10)  // "000000000Z": the fraction is written per call
    }

    /// The whole timestamp; falls back to formatting it all when `time` is in another second.
    /// Per chunk: one subtraction, no division.
    func append(_ time: Timestamp, to bytes: inout [UInt8]) {
        guard let secondStart, case (let nanos, false) = time.unixNanoseconds.subtractingReportingOverflow(secondStart),
            (0..<1_000_000_000).contains(nanos)
        else {
            Timestamp.appendRFC3339(unixNanoseconds: time.unixNanoseconds, to: &bytes)
            return
        }
        bytes.append(contentsOf: prefix)
        Timestamp.appendDigits(nanos, width: 9, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
    }
}
