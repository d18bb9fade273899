import NIOCore
import NIOPosix

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How many event loops to run: one per core this process may run on.
///
/// NIO counts the machine's cores (or its cgroup's quota), not the process's CPU affinity, so
/// a Switchyard pinned to one core (`taskset`, a cpuset) would still run a loop per machine
/// core, and the loops would take turns on that core through context switches.
package enum EventLoopCount {
    /// Sets NIO's loop count before its event loops start; call first thing in `main`.
    package static func applyAffinity() {
        // The suggestion must not be read first: reading it fixes it.
        guard let allowed = coresAllowed(), allowed < System.coreCount else { return }
        NIOSingletons.groupLoopCountSuggestion = allowed
    }

    /// The cores in this process's affinity mask, from `Cpus_allowed` in /proc/self/status
    /// (Glibc's module does not export `sched_getaffinity`); nil where there is none.
    static func coresAllowed(status path: String = "/proc/self/status") -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return coresAllowed(inStatus: text)
    }

    static func coresAllowed(inStatus text: String) -> Int? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return nil }
        var count = 0
        for character in line.dropFirst("Cpus_allowed:".count) where character != "," && character != " " && character != "\t" {
            guard let nibble = character.hexDigitValue else { return nil }
            count += nibble.nonzeroBitCount
        }
        return count > 0 ? count : nil
    }
}
