import Testing

@testable import SwitchyardCore

@Suite struct TimestampPrefixTests {
    @Test func theCachedSecondGivesTheSameTextAsFullFormatting() {
        var prefix = RFC3339SecondPrefix()
        for unixNanoseconds: Int64 in [0, 999_999_999, 1_761_498_924_097_767_000, 1_761_498_925_000_000_001, -1, -1_500_000_000] {
            let time = Timestamp(monotonicNanoseconds: 0, unixNanoseconds: unixNanoseconds)
            prefix.update(for: time)
            var cached: [UInt8] = []
            prefix.append(time, to: &cached)
            #expect(String(decoding: cached, as: UTF8.self) == Timestamp.rfc3339(unixNanoseconds: unixNanoseconds))
        }
        // A time from another second than the cached one is formatted in full, not mixed up.
        var stale: [UInt8] = []
        prefix.append(Timestamp(monotonicNanoseconds: 0, unixNanoseconds: 1_761_498_924_097_767_000), to: &stale)
        #expect(String(decoding: stale, as: UTF8.self) == "2025-10-26T17:15:24.097767000Z")
    }
}
