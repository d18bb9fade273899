/// Arithmetic on numbers that came from outside (client bodies, upstream chunks and model
/// lists): conversions and sums that clamp instead of trapping. Swift traps on an overflowing
/// `+` and on `Int64(someDouble)` out of range or NaN, and one such trap ends the process with
/// every stream in flight, so untrusted values go through these.
extension Int64 {
    /// `value` rounded to the nearest integer and clamped into `Int64`; NaN is nil.
    public init?(saturating value: Double) {
        guard !value.isNaN else { return nil }
        // 2^63 is exactly representable; anything at or above it does not fit.
        if value >= 9_223_372_036_854_775_808.0 {
            self = .max
        } else if value < -9_223_372_036_854_775_808.0 {
            self = .min
        } else {
            self = Int64(value.rounded())
        }
    }
}

extension FixedWidthInteger where Self: SignedInteger {
    public func addingSaturated(_ other: Self) -> Self {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }

    public func multipliedSaturated(by other: Self) -> Self {
        let (product, overflow) = multipliedReportingOverflow(by: other)
        return overflow ? ((self < 0) == (other < 0) ? .max : .min) : product
    }
}

extension Optional where Wrapped == Int {
    /// A count an upstream reported, if it is one: negative counts are dropped, not passed on
    /// (a Prometheus counter traps on a negative increment, and no client wants `-5` tokens).
    public var validCount: Int? {
        guard let value = self, value >= 0 else { return nil }
        return value
    }
}
