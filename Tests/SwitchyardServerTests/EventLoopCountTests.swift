import Testing

@testable import SwitchyardServer

/// A Switchyard pinned to some cores runs an event loop per core it may use, not per core of
/// the machine.
@Suite struct EventLoopCountTests {
    @Test func theAffinityMaskIsCounted() {
        #expect(EventLoopCount.coresAllowed(inStatus: "Name:\tswitchyard\nCpus_allowed:\t1\nCpus_allowed_list:\t0\n") == 1)
        #expect(EventLoopCount.coresAllowed(inStatus: "Cpus_allowed:\t3\n") == 2)
        #expect(EventLoopCount.coresAllowed(inStatus: "Cpus_allowed:\tffffffff,ffffffff\n") == 64)
        #expect(EventLoopCount.coresAllowed(inStatus: "Cpus_allowed:\t00000000,00000104\n") == 2)
    }

    @Test func anUnreadableMaskLeavesNIOsCount() {
        #expect(EventLoopCount.coresAllowed(inStatus: "Name:\tswitchyard\n") == nil)
        #expect(EventLoopCount.coresAllowed(inStatus: "Cpus_allowed:\txyz\n") == nil)
        #expect(EventLoopCount.coresAllowed(inStatus: "Cpus_allowed:\t0\n") == nil)
    }

    #if os(Linux)
        @Test func thisProcessHasAMask() {
            #expect((EventLoopCount.coresAllowed() ?? 0) >= 1)
        }
    #endif
}
