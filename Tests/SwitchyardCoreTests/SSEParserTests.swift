import SwitchyardCore
import SwitchyardFixtures
import Testing

@Suite struct SSEParserTests {
    func events(_ chunks: [[UInt8]]) throws -> [SSEEvent] {
        var parser = SSEParser()
        var out: [SSEEvent] = []
        for chunk in chunks { out += try parser.feed(chunk) }
        return out + parser.finish()
    }

    @Test func dataLinesAndDone() throws {
        let stream = Array("data: {\"a\":1}\n\ndata: [DONE]\n\n".utf8)
        let parsed = try events([stream])
        #expect(parsed == [SSEEvent(data: "{\"a\":1}"), SSEEvent(data: "[DONE]")])
        #expect(parsed.last?.isDone == true)
    }

    @Test func commentsEventNamesAndMultiLineData() throws {
        let stream = Array(": ping\n\nevent: error\ndata: line one\ndata:line two\nid: 7\n\n".utf8)
        #expect(try events([stream]) == [SSEEvent(event: "error", data: "line one\nline two", id: "7")])
    }

    @Test func allThreeLineEndings() throws {
        let stream = Array("data: a\r\n\r\ndata: b\r\rdata: c\n\n".utf8)
        #expect(try events([stream]).map(\.data) == ["a", "b", "c"])
    }

    @Test func crAndLfInDifferentChunks() throws {
        // A CRLF split across chunks is one line ending, not an empty line that would
        // dispatch early.
        let parsed = try events([Array("data: a\r".utf8), Array("\ndata: b\r".utf8), Array("\n\r\n".utf8)])
        #expect(parsed == [SSEEvent(data: "a\nb")])
    }

    @Test func flushesALastEventWithoutBlankLine() throws {
        #expect(try events([Array("data: {\"x\":1}\n\ndata: tail".utf8)]).map(\.data) == ["{\"x\":1}", "tail"])
    }

    @Test func sameEventsAtEverySplitPoint() throws {
        let stream = Array(": keep-alive\n\ndata: {\"c\":\"héllo 👋\"}\r\n\r\nevent: x\ndata: 1\ndata: 2\n\ndata: [DONE]\n\n".utf8)
        let whole = try events([stream])
        #expect(whole.count == 3)
        for parts in splits(of: stream) {
            #expect(try events(parts) == whole)
        }
        #expect(try events(stream.map { [$0] }) == whole)
    }

    @Test func recordedLlamaServerStreamAtEverySplitPoint() throws {
        let stream = try Fixtures.bytes("llama-server/chat-stream.sse")
        let whole = try events([stream])
        #expect(whole.last?.isDone == true)
        #expect(whole.count > 3)
        for parts in splits(of: stream) {
            #expect(try events(parts) == whole)
        }
    }

    @Test func refusesAnEndlessEvent() {
        var parser = SSEParser(maximumEventSize: 16)
        #expect(throws: SSEParser.ParseError.eventTooLarge(limit: 16)) {
            _ = try parser.feed(Array("data: 0123456789abcdefghij".utf8))
        }
    }
}
