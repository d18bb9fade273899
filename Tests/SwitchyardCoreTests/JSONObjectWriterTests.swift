import Foundation
import Testing

@testable import SwitchyardCore

@Suite struct JSONObjectWriterTests {
    @Test func stringsRoundTripThroughAStandardParser() throws {
        let tricky = "quote \" backslash \\ newline \n tab \t cr \r bell \u{07} nul \u{0} slash / emoji 👋 é"
        var writer = JSONObjectWriter()
        writer.field("text", tricky)
        writer.field("n", Int64(-42))
        writer.field("ok", true)
        let parsed = try JSONSerialization.jsonObject(with: Data(writer.finished())) as? [String: Any]
        #expect(parsed?["text"] as? String == tricky)
        #expect(parsed?["n"] as? Int == -42)
        #expect(parsed?["ok"] as? Bool == true)
    }

    @Test func keysKeepTheirOrder() {
        var inner = JSONObjectWriter()
        inner.field("b", "2")
        var writer = JSONObjectWriter()
        writer.field("z", "1")
        writer.field("a", object: inner)
        writer.field("absent", nil as Int64?)
        #expect(String(decoding: writer.finished(), as: UTF8.self) == #"{"z":"1","a":{"b":"2"}}"#)
    }
}
