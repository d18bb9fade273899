import SwitchyardFixtures
import Testing

@testable import SwitchyardCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The fast chunk reader must agree with JSONDecoder wherever it answers, and must answer for
/// the chunks that make up real streams (otherwise it saves nothing).
@Suite struct ChunkScanTests {
    func agrees(_ json: String) throws -> Bool {
        guard let fast = OpenAICompletion.scan(json) else { return false }
        let slow = try JSONDecoder().decode(OpenAICompletion.self, from: Data(json.utf8))
        #expect(fast == slow, "\(json)")
        return true
    }

    @Test func everyRecordedChunkReadsAsJSONDecoderReadsIt() throws {
        let streams = try FileManager.default.contentsOfDirectory(atPath: Fixtures.root.appendingPathComponent("llama-server").path)
            .filter { $0.hasSuffix(".sse") }
        #expect(streams.count >= 6)
        var fast = 0
        var all = 0
        for stream in streams {
            for line in try Fixtures.text("llama-server/\(stream)").split(separator: "\n") where line.hasPrefix("data: {") {
                all += 1
                if try agrees(String(line.dropFirst(6))) { fast += 1 }
            }
        }
        // Tool-call and logprob chunks take the general path; text, reasoning and usage do not.
        let textChunks = try Fixtures.text("llama-server/chat-stream.sse").split(separator: "\n").filter { $0.hasPrefix("data: {") }
        #expect(try textChunks.allSatisfy { try agrees(String($0.dropFirst(6))) })
        #expect(fast > all / 2)
    }

    /// Whole (not streamed) replies go through the same readers.
    @Test func recordedWholeRepliesReadAsJSONDecoderReadsThem() throws {
        var fast: [String] = []
        for name in ["llama-server/chat.json", "llama-server/chat-think.json", "llama-server/chat-json-schema.json", "llama-server/chat-tools.json"] {
            let bytes = try Fixtures.bytes(name)
            guard let scanned = bytes.withUnsafeBufferPointer({ OpenAICompletion.scan($0) }) else { continue }
            fast.append(name)
            #expect(scanned == (try JSONDecoder().decode(OpenAICompletion.self, from: Data(bytes))), "\(name)")
        }
        for name in ["switchyard-ollama/chat.json", "switchyard-ollama/generate.json"] {
            let bytes = try Fixtures.bytes(name)
            guard let scanned = bytes.withUnsafeBufferPointer({ OllamaReplyChunk.scan($0) }) else { continue }
            fast.append(name)
            #expect(scanned == (try JSONDecoder().decode(OllamaReplyChunk.self, from: Data(bytes))), "\(name)")
        }
        // Plain text and reasoning are read fast; tool calls take the general path.
        #expect(fast.contains("llama-server/chat.json") && fast.contains("llama-server/chat-think.json"))
        #expect(!fast.contains("llama-server/chat-tools.json"))
        #expect(fast.contains("switchyard-ollama/chat.json") && fast.contains("switchyard-ollama/generate.json"))
    }

    @Test(arguments: [
        #"{"choices":[{"index":0,"delta":{"content":"line\none \"quoted\" \\ \/ \t\u00e9\ud83d\ude00 ü"}}]}"#,
        #" { "choices" : [ { "delta" : { "content" : null , "reasoning_content" : "r" } , "finish_reason" : "stop" } ] , "usage" : { "prompt_tokens" : 3 , "completion_tokens" : 4 , "prompt_tokens_details" : { "cached_tokens" : 0 } } } "#,
        #"{"id":"x","choices":[],"timings":{"prompt_n":1,"prompt_ms":2.5,"predicted_n":3,"predicted_ms":1e2,"extra":[1,{"a":[true,false,null]},-0.5]}}"#,
        #"{"choices":[{"index":0,"text":" is","logprobs":null,"finish_reason":null}]}"#,
        #"{"choices":[{"delta":{"role":"assistant","content":null,"tool_calls":null}}],"object":"chat.completion.chunk"}"#,
    ])
    func awkwardButCommonChunksAgree(json: String) throws {
        #expect(try agrees(json))
    }

    @Test func everyRecordedOllamaLineReadsAsJSONDecoderReadsIt() throws {
        var fast = 0
        for name in [
            "switchyard-ollama/chat-stream.ndjson", "switchyard-ollama/generate-stream.ndjson", "ollama-docs/chat-stream-thinking-tools.ndjson",
            "ollama-docs/chat-stream-error.ndjson", "ollama/chat-stream.ndjson",
        ] {
            for line in try Fixtures.text(name).split(separator: "\n") {
                let bytes = Array(line.utf8)
                guard let scanned = OllamaReplyChunk.scan(bytes) else { continue }
                fast += 1
                #expect(scanned == (try JSONDecoder().decode(OllamaReplyChunk.self, from: Data(bytes))), "\(line)")
            }
        }
        #expect(fast >= 20)
        #expect(OllamaReplyChunk.scan(Array(#"{"error":"boom"}"#.utf8)) == nil)
        #expect(OllamaReplyChunk.scan(Array(#"{"message":{"tool_calls":[{"function":{"name":"f"}}]},"done":false}"#.utf8)) == nil)
        #expect(OllamaReplyChunk.scan(Array(#"{"done":"yes"}"#.utf8)) == nil)
    }

    @Test(arguments: [
        #"{"choices":[{"delta":{"tool_calls":[{"index":0}]}}]}"#,  // general path
        #"{"error":{"message":"boom"}}"#,
        #"{"choices":[{"delta":{"content":5}}]}"#,  // wrong type: JSONDecoder's verdict
        #"{"choices":[{"delta":{"content":"unterminated}}]}"#,
        #"{"choices":[{"delta":{"content":"bad \q escape"}}]}"#,
        #"{"choices":[{"index":1.5}]}"#,
        #"{"choices":[]} trailing"#,
        #"{"ch\u006fices":[]}"#,
    ])
    func anythingElseIsLeftToJSONDecoder(json: String) {
        #expect(OpenAICompletion.scan(json) == nil)
    }
}

extension ChunkScanTests {
    @Test func skippedFieldsAreCheckedToo() {
        #expect(OpenAICompletion.scan(#"{"id":"a\"b\u0041","choices":[]}"#) != nil)
        #expect(OpenAICompletion.scan(#"{"id":"a\qb","choices":[]}"#) == nil)
        #expect(OpenAICompletion.scan(#"{"id":"a\u00zz","choices":[]}"#) == nil)
    }
}

extension ChunkScanTests {
    @Test func aTopLevelStringInAWellFormedDocument() {
        func model(_ json: String) -> String? { Array(json.utf8).withUnsafeBufferPointer { JSONScanner.topLevelString("model", in: $0) } }
        #expect(model(#"{"messages":[{"role":"user","content":"model"}],"model":"tiny","stream":true}"#) == "tiny")
        #expect(model(#"{"model":5}"#) == nil)
        #expect(model(#"{"messages":[]}"#) == nil)
        #expect(model(#"{"model":"tiny",}"#) == nil, "malformed JSON is for JSONDecoder to explain")
        #expect(model(#"["model"]"#) == nil)
    }
}
