import Foundation
import SwitchyardFixtures
import Testing

@testable import SwitchyardCore

/// Inputs from hostile clients and broken upstreams, at the core's level: each once ended the
/// process (a stack overflow or an arithmetic trap) or could hold unbounded memory.
@Suite struct HostileInputTests {
    static let start = Timestamp(monotonicNanoseconds: 1_000_000_000, unixNanoseconds: 1_761_498_924_000_000_000)
    static let later = Timestamp(monotonicNanoseconds: 1_250_000_000, unixNanoseconds: 1_761_498_924_250_000_000)

    static func nested(_ depth: Int, open: String = "[", close: String = "]") -> [UInt8] {
        Array((String(repeating: open, count: depth) + String(repeating: close, count: depth)).utf8)
    }

    // MARK: Nesting

    @Test func theScannerGivesUpOnDeepNestingInsteadOfOverflowingTheStack() {
        let deep = Array(#"{"model":"m","messages":"#.utf8) + Self.nested(3_000_000) + Array("}".utf8)
        deep.withUnsafeBufferPointer { bytes in
            #expect(JSONScanner.topLevelString("model", in: bytes) == nil)
            #expect(OpenAICompletion.scan(bytes) == nil)
            #expect(OllamaReplyChunk.scan(bytes) == nil)
        }
        let objects = Array(#"{"model":"m","x":"#.utf8) + Self.nested(1_000_000, open: #"{"a":"#, close: "}") + Array("}".utf8)
        objects.withUnsafeBufferPointer { #expect(JSONScanner.topLevelString("model", in: $0) == nil) }
    }

    @Test func nestingUpToJSONDecodersOwnLimitIsStillScanned() {
        let shallow = Array(#"{"x":"#.utf8) + Self.nested(JSONScanner.maximumDepth - 1) + Array(#","model":"m"}"#.utf8)
        shallow.withUnsafeBufferPointer { #expect(JSONScanner.topLevelString("model", in: $0) == "m") }
        let deeper = Array(#"{"x":"#.utf8) + Self.nested(JSONScanner.maximumDepth) + Array(#","model":"m"}"#.utf8)
        deeper.withUnsafeBufferPointer { #expect(JSONScanner.topLevelString("model", in: $0) == nil) }
    }

    @Test func aDeeplyNestedRequestBodyIsA400() {
        let body = Array(#"{"model":"m","messages":[{"role":"user","content":"#.utf8) + Self.nested(100_000) + Array("}]}".utf8)
        #expect(throws: RequestError.self) { try JSONCoding.decodeRequest(OllamaChatRequest.self, from: body) }
        #expect(throws: RequestError.self) { try JSONCoding.decodeRequest(OpenAIChatRequest.self, from: body) }
    }

    @Test func bodiesWithMoreValuesThanAnyRealRequestAreRefusedBeforeParsing() throws {
        let many =
            Array(#"{"model":"m","messages":["#.utf8) + Array(repeating: Array("{},".utf8), count: 1_000_001).flatMap { $0 }
            + Array("{}]}".utf8)
        #expect {
            try JSONCoding.decodeRequest(OllamaChatRequest.self, from: many)
        } throws: { ($0 as? RequestError)?.kind == .payloadTooLarge }
        // A long string is one value, whatever it holds.
        let long = #"{"model":"m","messages":[{"role":"user","content":""# + String(repeating: "{,[", count: 2_000_000) + #""}]}"#
        #expect(try JSONCoding.decodeRequest(OllamaChatRequest.self, from: Array(long.utf8)).messages.count == 1)
    }

    /// The fast count (memchr across strings) against a byte-by-byte one, at the limit's edge,
    /// on texts whose strings hold escaped quotes, runs of backslashes and structural bytes.
    @Test func theValueCountSeesStringsAsJSONDoes() throws {
        func slowCount(_ bytes: [UInt8]) -> Int {
            var position = JSONTextPosition()
            return bytes.filter { position.isOutsideStrings($0) && [UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: ",")].contains($0) }.count
        }
        var texts = [
            #"{"a":"x",[,[","b":[1,2]}"#, #"{"a":"\\","b":[1,{"c":2}]}"#, #"{"a":"\"[,","b":","}"#, #"["unterminated,[,"#,
            #"{"a":"\"}"#, #"[]"#, #""""#, #"{"":"",",":[","]}"#,
        ]
        for name in ["llama-server/chat-tools.request.json", "llama-server/chat.json", "switchyard-ollama/chat.request.json"] {
            texts.append(try Fixtures.text(name))
        }
        for text in texts {
            let bytes = Array(text.utf8)
            let count = slowCount(bytes)
            #expect(JSONValueCount.isWithin(count, bytes), "\(text)")
            if count > 0 { #expect(!JSONValueCount.isWithin(count - 1, bytes), "\(text)") }
        }
    }

    // MARK: Scanner strictness: where it answers, JSONDecoder agrees

    @Test(arguments: ["+5", "007", "1.", ".5", "1e", "--1", "1-2", "0x10", "1e+"])
    func numbersOutsideJSONsGrammarAreLeftToJSONDecoder(_ number: String) {
        let chunk = Array(#"{"choices":[],"usage":{"prompt_tokens":"#.utf8) + Array(number.utf8) + Array("}}".utf8)
        chunk.withUnsafeBufferPointer { #expect(OpenAICompletion.scan($0) == nil) }
        let skipped = Array(#"{"model":"m","n":"#.utf8) + Array(number.utf8) + Array("}".utf8)
        skipped.withUnsafeBufferPointer { #expect(JSONScanner.topLevelString("model", in: $0) == nil) }
    }

    @Test func infiniteNumbersAreNotReadAsInfinity() {
        let chunk = Array(#"{"choices":[],"timings":{"prompt_ms":1e999,"predicted_ms":-1e999}}"#.utf8)
        chunk.withUnsafeBufferPointer { #expect(OpenAICompletion.scan($0) == nil) }
    }

    /// Inputs the fuzzer found where the scanner answered and JSONDecoder did not, or
    /// differently: invalid UTF-8 in a key or in an escaped string, and a key given twice.
    @Test func fuzzFindingsNowAgreeWithJSONDecoder() throws {
        let folder = Fixtures.root.appendingPathComponent("fuzz/scanner")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files.count >= 4)
        struct Envelope: Decodable { var model: String }
        for file in files {
            let input = try Fixtures.bytes("fuzz/scanner/\(file)")
            input.withUnsafeBufferPointer { bytes in
                if let scanned = OpenAICompletion.scan(bytes) {
                    #expect((try? JSONDecoder().decode(OpenAICompletion.self, from: Data(input))) == scanned, "\(file)")
                }
                if let scanned = OllamaReplyChunk.scan(bytes) {
                    #expect((try? JSONDecoder().decode(OllamaReplyChunk.self, from: Data(input))) == scanned, "\(file)")
                }
                if let model = JSONScanner.topLevelString("model", in: bytes) {
                    #expect((try? JSONDecoder().decode(Envelope.self, from: Data(input)))?.model == model, "\(file)")
                }
            }
            // The same input as a configuration glob's name (finding-5: a name holding `*`).
            let name = String(decoding: input.prefix(256), as: UTF8.self)
            #expect(ModelGlob.matches("*", name), "\(file)")
        }
    }

    @Test func aGlobStarTakesANameThatHoldsAStar() {
        #expect(ModelGlob.matches("*", "*{"))
        #expect(ModelGlob.matches("a*b", "a*xb"))
        #expect(ModelGlob.matches("qwen*", "qwen*"))
        #expect(!ModelGlob.matches("a*b", "a*x"))
        #expect(ModelGlob.matches("*", ""))
    }

    @Test func invalidUTF8AndLoneSurrogatesAreLeftToJSONDecoder() {
        for body in [
            [0x7B, 0x22, 0x6D, 0x6F, 0x64, 0x65, 0x6C, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D] as [UInt8],
            Array(#"{"model":"a\ud800b"}"#.utf8), Array(#"{"model":"a","x":"\udc00"}"#.utf8),
            Array(#"{"model":"a","model":"b"}"#.utf8),
        ] {
            body.withUnsafeBufferPointer { #expect(JSONScanner.topLevelString("model", in: $0) == nil) }
        }
    }

    // MARK: Numbers that once trapped

    @Test func keepAliveNeverTraps() throws {
        #expect(KeepAlive(seconds: 1e10) == .duration(nanoseconds: .max))
        #expect(KeepAlive(seconds: .nan) == nil)
        #expect(KeepAlive(seconds: .infinity) == nil)
        #expect(KeepAlive(parsing: "9999999999h") == nil, "Go refuses a duration that overflows")
        #expect(KeepAlive(parsing: "2562047h") == .duration(nanoseconds: 2_562_047 * 3_600_000_000_000))
        for text in ["nan", "NaN", "inf", "-infinity", "1e999h", "0x1p3", "", "h", "5", "٣s"] {
            _ = KeepAlive(parsing: text)  // no trap, whatever the answer
        }
        #expect(KeepAlive(parsing: "nan") == nil)
        #expect(KeepAlive(parsing: "inf") == nil)
        struct Body: Decodable {
            var keepAlive: KeepAlive?
            enum CodingKeys: String, CodingKey { case keepAlive = "keep_alive" }
        }
        #expect(try JSONDecoder().decode(Body.self, from: Data(#"{"keep_alive":1e10}"#.utf8)).keepAlive == .duration(nanoseconds: .max))
        for bad in [#""nan""#, #""9999999999h""#, #""inf""#] {
            #expect(throws: (any Error).self) { try JSONDecoder().decode(Body.self, from: Data(#"{"keep_alive":\#(bad)}"#.utf8)) }
        }
    }

    @Test func saturatingConversions() {
        #expect(Int64(saturating: 1e30) == .max)
        #expect(Int64(saturating: -1e30) == .min)
        #expect(Int64(saturating: 9_223_372_036_854_775_807.0) == .max)
        #expect(Int64(saturating: .nan) == nil)
        #expect(Int64(saturating: 2.5) == 3)
        #expect(Int64.max.addingSaturated(1) == .max)
        #expect(Int64.min.addingSaturated(-1) == .min)
        #expect(Int64.max.multipliedSaturated(by: -2) == .min)
        #expect(Int.max.addingSaturated(5) == .max)
        #expect(Optional(-5).validCount == nil)
        #expect(Optional(7).validCount == 7)
    }

    @Test func timestampsAtTheEndsOfTheRangeAreWritten() {
        #expect(Timestamp.rfc3339(unixNanoseconds: .min).hasPrefix("1677-09-21T"))
        #expect(Timestamp.rfc3339(unixNanoseconds: .max).hasPrefix("2262-04-11T"))
        #expect(Timestamp.rfc3339(unixNanoseconds: -1) == "1969-12-31T23:59:59.999999999Z")
    }

    @Test(arguments: [
        (Int64(1_700_000_000), "2023-11-14T22:13:20"),  // seconds
        (Int64(1_700_000_000_000), "2023-11-14T22:13:20"),  // milliseconds
        (Int64(1_700_000_000_000_000), "2023-11-14T22:13:20"),  // microseconds
        (Int64(1_000_000_000_000_000), "2001-09-09T01:46:40"),  // 10^15, as the report had it
        (Int64.max, "2262-04-11T"),
    ])
    func modelDatesInAnyUnitAreDates(_ created: Int64, _ expected: String) {
        let model = UpstreamModelInfo(id: "m", created: created)
        #expect(model.tagsEntry(fallbackUnixSeconds: 0).modifiedAt.hasPrefix(expected))
    }

    @Test func aNegativeModelDateFallsBack() {
        #expect(UpstreamModelInfo(id: "m", created: -5).tagsEntry(fallbackUnixSeconds: 0).modifiedAt == "1970-01-01T00:00:00.000000000Z")
    }

    // MARK: Broken upstream streams

    func translate(_ sse: String) throws -> [[String: JSONValue]] {
        var translator = SSEToNDJSONTranslator(kind: .chat, model: "m", start: Self.start)
        let out = translator.feed(Array(sse.utf8), at: Self.later) + translator.finish(at: Self.later)
        return try out.split(separator: UInt8(ascii: "\n")).map { try JSONDecoder().decode([String: JSONValue].self, from: Data($0)) }
    }

    @Test func negativeAndHugeUsageIsDroppedOrKept() throws {
        let negative = try translate(
            """
            data: {"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":-5,"completion_tokens":-1}}

            data: [DONE]


            """)
        let final = try #require(negative.last)
        #expect(final["done"] == .bool(true))
        #expect(final["prompt_eval_count"] == nil)
        #expect(final["eval_count"] == nil)
        let huge = try translate(
            """
            data: {"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":1}}

            data: [DONE]


            """)
        #expect(huge.last?["prompt_eval_count"] == .int(.max))
    }

    @Test func negativeAndHugeTimingsFallBackToMeasuredDurationsOrSaturate() throws {
        for timings in [#"{"prompt_ms":-4,"predicted_ms":-1e300}"#, #"{"prompt_ms":1e300,"predicted_ms":2}"#] {
            let objects = try translate(
                """
                data: {"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}],"timings":\(timings)}

                data: [DONE]


                """)
            let final = try #require(objects.last)
            #expect(final["done"] == .bool(true), "\(timings)")
            #expect(final["prompt_eval_duration"]?.intValue.map { $0 >= 0 } == true, "\(timings)")
        }
    }

    /// `1e999` is no number JSON can carry (JSONDecoder refuses it): the chunk is malformed,
    /// and the stream ends with an error line rather than a made-up figure.
    @Test func infiniteTimingsEndTheStreamWithAnError() throws {
        let objects = try translate(
            """
            data: {"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}],"timings":{"prompt_ms":1e999}}

            data: [DONE]


            """)
        #expect(objects.last?["error"]?.stringValue?.contains("malformed") == true)
    }

    @Test func anEventThatNeverEndsIsCutWithAnErrorLine() throws {
        var translator = SSEToNDJSONTranslator(kind: .chat, model: "m", start: Self.start)
        var out: [UInt8] = []
        let piece = Array("data: ".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 64 * 1024)
        for _ in 0..<64 where !translator.isFinished { out += translator.feed(piece, at: Self.later) }  // 4 MB, no newline
        #expect(translator.isFinished)
        let error = try JSONDecoder().decode([String: String].self, from: Data(out.dropLast()))
        #expect(error["error"]?.contains("larger than") == true)
    }

    @Test func anNDJSONLineThatNeverEndsIsCutWithAnErrorEvent() {
        var translator = NDJSONToSSETranslator(kind: .chat, model: "m", id: "x", created: 1, includeUsage: false)
        var out: [UInt8] = []
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 1024 * 1024)
        for _ in 0..<10 where !translator.isFinished { out += translator.feed(piece) }
        #expect(translator.isFinished)
        #expect(String(decoding: out, as: UTF8.self).contains("longer than"))
    }

    @Test func aHugeToolCallIndexDoesNotTrap() throws {
        var assembler = ToolCallAssembler()
        assembler.add([OpenAIToolCallFragment(index: .max, id: "a", function: .init(name: "f", arguments: "{}"))])
        assembler.add([OpenAIToolCallFragment(index: nil, id: "b", function: .init(name: "g", arguments: "{}"))])
        // The next index saturates at Int.max, so the second call's text lands in the first:
        // not a JSON object, and the reply ends with a clear error instead of a trap.
        #expect(throws: ToolCallError.self) { try assembler.take(finishReason: "tool_calls") }
    }

    @Test func tooManyToolCallsOrTooMuchArgumentTextEndsInAnError() {
        var many = ToolCallAssembler()
        for index in 0...ToolCallAssembler.maximumCalls {
            many.add([OpenAIToolCallFragment(index: index, id: "c\(index)", function: .init(name: "f", arguments: "{}"))])
        }
        #expect(throws: ToolCallError.self) { try many.take(finishReason: "tool_calls") }
        var long = ToolCallAssembler()
        let piece = String(repeating: "a", count: 64 * 1024)
        long.add([OpenAIToolCallFragment(index: 0, id: "c", function: .init(name: "f", arguments: "{\"x\":\""))])
        for _ in 0..<70 { long.add([OpenAIToolCallFragment(index: 0, id: nil, function: .init(name: nil, arguments: piece))]) }
        #expect(throws: ToolCallError.self) { try long.take(finishReason: "tool_calls") }
        #expect(long.isEmpty, "taken, the assembler starts afresh")
    }

    // MARK: Paths

    @Test(arguments: [
        "/v1/models/../../x", "/v1/models/%2e%2e/%2E%2E/x", "/v1/models/.%2e/x", "/v1/models/%252e%252e/x",
        "/v1/models/..%2fadmin", "/v1/models/a%5c..%5cb", "/v1/models/.", "/v1/models/a%00b", "/api/blobs/..", "relative",
    ])
    func dotSegmentsAndEncodedSlashesAreRefused(_ path: String) {
        #expect(throws: RequestError.self) { try ForwardedPath.check(path) }
    }

    @Test(arguments: ["/v1/models", "/v1/models/tiny", "/v1/models/llama3%3Alatest", "/v1/models/a..b", "/v1/models/...", "/api/blobs/sha256-00ff"])
    func ordinaryPathsPass(_ path: String) throws {
        try ForwardedPath.check(path)
    }

    @Test func percentDecodingIsStrict() {
        #expect(PercentDecoding.decode("llama3%3Alatest") == "llama3:latest")
        #expect(PercentDecoding.decode("%+f%-0%zz") == "%+f%-0%zz")
    }
}
