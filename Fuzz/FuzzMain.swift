#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// libFuzzer's entry point. Each target states a property that must hold for any input, and
/// traps (which the fuzzer reports as a crash) when it does not; a plain Swift trap inside the
/// code under test — overflow, out-of-range index, stack overflow — is reported the same way.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzTargets.selected(bytes)
    return 0
}

enum FuzzTargets {
    static let all: [String: @Sendable ([UInt8]) -> Void] = [
        "sse": sseParser,
        "lines": lineSplitter,
        "scanner": jsonScanner,
        "sse-ndjson": sseToNDJSON,
        "ndjson-sse": ndjsonToSSE,
        "ollama-request": ollamaRequest,
        "openai-request": openAIRequest,
        "keepalive": keepAlive,
        "sse-anthropic": sseToAnthropic,
        "sse-responses": sseToResponses,
        "ndjson-surfaces": ndjsonToSurfaces,
        "surface-request": surfaceRequest,
        "derived-model": derivedModel,
        "shell-words": shellWords,
    ]

    static let selected: @Sendable ([UInt8]) -> Void = {
        let name = ProcessInfo.processInfo.environment["SWITCHYARD_FUZZ_TARGET"] ?? ""
        guard let target = all[name] else {
            report("SWITCHYARD_FUZZ_TARGET must be one of: \(all.keys.sorted().joined(separator: ", "))")
            exit(2)
        }
        return target
    }()

    static func report(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { _ = write(2, $0.baseAddress, $0.count) }
    }

    static func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
        if !condition() {
            report("property failed: \(message())")
            abort()
        }
    }
}

/// An input split into a body and the places to cut it: the first byte says how many cut
/// points follow (at most 8), each one byte, as offsets into the rest. So the fuzzer explores
/// the chunkings as well as the bytes.
struct Chunked {
    let body: [UInt8]
    let chunks: [ArraySlice<UInt8>]

    init(_ input: [UInt8]) {
        guard let first = input.first else {
            body = []
            chunks = []
            return
        }
        let cutCount = min(Int(first % 9), input.count - 1)
        let cuts = input[1..<(1 + cutCount)].map(Int.init)
        let body = Array(input[(1 + cutCount)...])
        self.body = body
        var points = cuts.map { $0 * body.count / 256 }.sorted()
        points.append(body.count)
        var start = 0
        var pieces: [ArraySlice<UInt8>] = []
        for point in points where point >= start {
            pieces.append(body[start..<point])
            start = point
        }
        chunks = pieces
    }
}

/// A fixed clock: the translators stamp every object with the time, and the chunked and the
/// whole run must agree byte for byte.
let fuzzTime = Timestamp(monotonicNanoseconds: 1_000_000_000, unixNanoseconds: 1_764_000_000_000_000_000)
