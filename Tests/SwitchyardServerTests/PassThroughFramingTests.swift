import Testing

@testable import SwitchyardServer

/// How a forwarded answer's Content-Type decides whether it is relayed as a stream, and in
/// which framing an error is added if the upstream fails midway.
@Suite struct PassThroughFramingTests {
    @Test func contentTypesAreMatchedWhateverTheirCase() {
        #expect(PassThroughTransform.framing(of: "text/event-stream") == .sse)
        #expect(PassThroughTransform.framing(of: "Text/Event-Stream; charset=utf-8") == .sse)
        #expect(PassThroughTransform.framing(of: "application/x-ndjson") == .ndjson)
        #expect(PassThroughTransform.framing(of: "application/X-NDJSON") == .ndjson)
        #expect(PassThroughTransform.framing(of: "application/json") == .opaque)
        #expect(PassThroughTransform.framing(of: "charset=utf-8; text/event-stream") == .opaque, "SSE only as the media type")
        #expect(PassThroughTransform.framing(of: "text/event-strea") == .opaque)
        #expect(PassThroughTransform.framing(of: nil) == .opaque)
    }
}
