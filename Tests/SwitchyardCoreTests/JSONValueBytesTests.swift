import SwitchyardCore
import SwitchyardFixtures
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Translated requests are written without JSONEncoder; the bytes must be the ones it writes.
@Suite struct JSONValueBytesTests {
    func expectSameAsJSONEncoder(_ value: JSONValue) throws {
        let expected = Array(try JSONCoding.encoder().encode(value))
        let written = try #require(value.encodedBytes())
        #expect(written == expected, "\(String(decoding: written, as: UTF8.self)) vs \(String(decoding: expected, as: UTF8.self))")
    }

    @Test(arguments: [
        0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 1.5, 100.0, 1e15, 1e16, 1e21, 1e22, 1e-5, 1e-7, 123456789.123, 0.000123,
        2.5e-300, Double.greatestFiniteMagnitude, Double.leastNonzeroMagnitude, 9007199254740993.0, 0.30000000000000004,
    ])
    func numbers(value: Double) throws {
        try expectSameAsJSONEncoder(.double(value))
        try expectSameAsJSONEncoder(.array([.double(value), .int(Int64(value.magnitude < 1e18 ? value : 0))]))
    }

    @Test func stringsWithEverythingThatNeedsEscaping() throws {
        let controls = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self)
        try expectSameAsJSONEncoder(.string(controls + "\"\\/ é 👋 \u{7F} </script>"))
    }

    @Test func keysAreSortedAsJSONEncoderSortsThem() throws {
        let keys = ["b", "a", "a10", "a2", "B", "_x", "Z", "é", "aa", "", "10", "9"]
        try expectSameAsJSONEncoder(.object(Dictionary(uniqueKeysWithValues: keys.map { ($0, JSONValue.int(1)) })))
    }

    @Test func recordedRequestBodies() throws {
        for name in [
            "llama-server/chat.request.json", "llama-server/chat-tools.request.json", "llama-server/chat-json-schema.request.json",
            "llama-server/chat-think.request.json", "llama-server/embeddings.request.json", "switchyard-ollama/chat.request.json",
        ] {
            try expectSameAsJSONEncoder(try JSONDecoder().decode(JSONValue.self, from: Data(try Fixtures.bytes(name))))
        }
    }

    @Test func nonFiniteNumbersAreRefusedAsJSONEncoderRefusesThem() {
        #expect(JSONValue.array([.double(.infinity)]).encodedBytes() == nil)
        #expect(JSONValue.object(["x": .double(.nan)]).encodedBytes() == nil)
        #expect(throws: (any Error).self) { try JSONCoding.encoder().encode(JSONValue.double(.nan)) }
    }
}
