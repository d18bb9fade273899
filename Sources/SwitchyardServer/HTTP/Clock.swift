import NIOCore
import SwitchyardCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Timestamp {
    /// The current moment from the real clocks.
    static func now() -> Timestamp {
        Timestamp(
            monotonicNanoseconds: NIODeadline.now().uptimeNanoseconds,
            unixNanoseconds: Int64(Date().timeIntervalSince1970 * 1e9))
    }
}
