import SwitchyardCore
import SwitchyardFixtures
import Testing

@Suite struct LineSplitterTests {
    func lines(_ chunks: [[UInt8]]) throws -> [String] {
        var splitter = LineSplitter()
        var out: [[UInt8]] = []
        for chunk in chunks { out += try splitter.feed(chunk) }
        out += splitter.finish()
        return out.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func splitsOnNewlinesAndDropsCarriageReturns() throws {
        #expect(try lines([Array("a\nbb\r\nccc\n".utf8)]) == ["a", "bb", "ccc"])
    }

    @Test func keepsALastLineWithoutNewline() throws {
        #expect(try lines([Array("{\"a\":1}\n{\"b\":2}".utf8)]) == ["{\"a\":1}", "{\"b\":2}"])
    }

    @Test func sameLinesAtEverySplitPoint() throws {
        let text = Array("{\"t\":\"héllo 👋\"}\r\n{\"t\":\"two\"}\n\n{\"t\":\"last\"}".utf8)
        let whole = try lines([text])
        #expect(whole == ["{\"t\":\"héllo 👋\"}", "{\"t\":\"two\"}", "", "{\"t\":\"last\"}"])
        for parts in splits(of: text) {
            #expect(try lines(parts) == whole)
        }
    }

    @Test func byteByByte() throws {
        let text = Array("α\r\nβ\nγ".utf8)
        #expect(try lines(text.map { [$0] }) == ["α", "β", "γ"])
    }

    @Test func refusesAnEndlessLine() {
        var splitter = LineSplitter(maximumLineLength: 8)
        #expect(throws: LineSplitter.SplitError.lineTooLong(limit: 8)) {
            _ = try splitter.feed(Array("0123456789".utf8))
        }
    }
}

@Suite struct LineSplitterRecordedStreamTests {
    @Test func recordedNDJSONStreamAtEverySplitPoint() throws {
        let stream = try Fixtures.bytes("ollama/chat-stream.ndjson")
        let expected = stream.split(separator: UInt8(ascii: "\n")).map(Array.init)
        for parts in splits(of: stream) {
            var splitter = LineSplitter()
            var lines: [[UInt8]] = []
            for part in parts { lines += try splitter.feed(part) }
            lines += splitter.finish()
            #expect(lines == expected)
        }
    }
}
