import SwitchyardCore
import Testing

@Suite struct SupportTests {
    @Test func sha256KnownVectors() {
        #expect(SHA256.hexDigest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hexDigest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func rfc3339InUTCWithNanoseconds() {
        #expect(Timestamp.rfc3339(unixNanoseconds: 0) == "1970-01-01T00:00:00.000000000Z")
        #expect(Timestamp.rfc3339(unixNanoseconds: 1_761_498_924_097_767_000) == "2025-10-26T17:15:24.097767000Z")
        #expect(Timestamp.rfc3339(unixNanoseconds: 951_782_400_000_000_001) == "2000-02-29T00:00:00.000000001Z")
    }

    @Test func keepAliveForms() {
        #expect(KeepAlive(parsing: "5m") == .duration(nanoseconds: 300_000_000_000))
        #expect(KeepAlive(parsing: "1h30m") == .duration(nanoseconds: 5_400_000_000_000))
        #expect(KeepAlive(parsing: "250ms") == .duration(nanoseconds: 250_000_000))
        #expect(KeepAlive(parsing: "30") == .duration(nanoseconds: 30_000_000_000))
        #expect(KeepAlive(parsing: "-1m") == .forever)
        #expect(KeepAlive(parsing: "0") == .duration(nanoseconds: 0))
        #expect(KeepAlive(parsing: "soon") == nil)
        #expect(KeepAlive(seconds: -1) == .forever)
    }

    @Test func modelNamesNormaliseToLatest() {
        #expect(ModelName.withTag("llama3") == "llama3:latest")
        #expect(ModelName.withTag("llama3:8b") == "llama3:8b")
        #expect(ModelName.withTag("host:5000/ns/model") == "host:5000/ns/model:latest")
        #expect(ModelName.resolve("tiny", among: ["other", "tiny"]) == "tiny")
        #expect(ModelName.resolve("tiny:latest", among: ["tiny"]) == "tiny")
        #expect(ModelName.resolve("TINY:Latest", among: ["tiny"]) == "tiny")
        #expect(ModelName.resolve("tiny:7b", among: ["tiny"]) == nil)
        #expect(ModelName.resolve("qwen:7b", among: ["qwen:7b"]) == "qwen:7b")
    }

    @Test func imageTypesBySignature() throws {
        #expect(ImageData.mimeType(of: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A]) == "image/png")
        #expect(ImageData.mimeType(of: [0xFF, 0xD8, 0xFF, 0xE0]) == "image/jpeg")
        #expect(ImageData.mimeType(of: Array("GIF89a".utf8)) == "image/gif")
        #expect(ImageData.mimeType(of: Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8".utf8)) == "image/webp")
        #expect(try ImageData.dataURL(base64: "iVBORw0KGgo=", field: "images[0]") == "data:image/png;base64,iVBORw0KGgo=")
        #expect(throws: RequestError.self) { try ImageData.dataURL(base64: "not base64!", field: "images[0]") }
    }
}
