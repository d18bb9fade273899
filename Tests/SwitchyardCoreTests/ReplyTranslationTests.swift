import SwitchyardCore
import SwitchyardFixtures
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

@Suite struct ReplyTranslationTests {
    @Test func recordedCompletionBecomesOneOllamaObject() throws {
        let recorded = try Fixtures.bytes("llama-server/chat.json")
        let raw = try JSONDecoder().decode(JSONValue.self, from: Data(recorded))
        let completion = try JSONDecoder().decode(OpenAICompletion.self, from: Data(recorded))
        let start = Timestamp(monotonicNanoseconds: 0, unixNanoseconds: 0)
        let end = Timestamp(monotonicNanoseconds: 40_000_000, unixNanoseconds: 1_000_000_000)
        let reply = try JSONDecoder().decode(
            [String: JSONValue].self, from: Data(OpenAIToOllama.reply(completion, kind: .chat, model: "tiny", start: start, end: end)))
        let message = raw["choices"]?.arrayValue?.first?["message"]
        #expect(reply["model"] == .string("tiny"))
        #expect(reply["message"] == .object(["role": .string("assistant"), "content": message?["content"] ?? .null]))
        #expect(reply["done"] == .bool(true))
        #expect(reply["done_reason"] == raw["choices"]?.arrayValue?.first?["finish_reason"])
        #expect(reply["eval_count"] == raw["usage"]?["completion_tokens"])
        #expect(reply["prompt_eval_count"] == raw["usage"]?["prompt_tokens"])
        #expect(reply["total_duration"] == .int(40_000_000))
        #expect(reply["created_at"] == .string("1970-01-01T00:00:01.000000000Z"))
    }

    @Test func embeddingsAreOrderedAndNormalised() throws {
        let response = try JSONDecoder().decode(
            OpenAIEmbeddingsResponse.self,
            from: Data(#"{"data":[{"index":1,"embedding":[0,2]},{"index":0,"embedding":[3,4]}],"usage":{"prompt_tokens":5}}"#.utf8))
        let embed = OpenAIToOllama.embed(response, model: "e", totalDuration: 1)
        #expect(embed.embeddings == [[0.6, 0.8], [0, 1]])
        #expect(embed.promptEvalCount == 5)
        #expect(OpenAIToOllama.embeddings(response).embedding == [3, 4])  // legacy: as sent
    }

    @Test func recordedEmbeddingsKeepTheirShape() throws {
        let response = try JSONDecoder().decode(OpenAIEmbeddingsResponse.self, from: Data(try Fixtures.bytes("llama-server/embeddings.json")))
        let embed = OpenAIToOllama.embed(response, model: "tiny-embed", totalDuration: 1)
        #expect(embed.embeddings.count == 2)
        for vector in embed.embeddings {
            #expect(vector.count == 64)
            #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-9)
        }
    }

    @Test func modelDescriptionsAreCompleteAndStable() throws {
        let model = UpstreamModelInfo(
            id: "tiny", created: 1_700_000_000, contextLength: 2048, parameterCount: 141_248, sizeBytes: 564_992, embeddingLength: 64)
        let entry = model.tagsEntry(fallbackUnixSeconds: 0)
        #expect(entry.name == "tiny:latest")
        #expect(entry.model == "tiny:latest")
        #expect(entry.digest == SHA256.hexDigest("tiny"))
        #expect(entry.digest.count == 64)
        #expect(entry.details.parameterSize == "141K")
        #expect(UpstreamModelInfo(id: "m", parameterCount: 8_030_261_248).details.parameterSize == "8.0B")
        #expect(UpstreamModelInfo(id: "m", parameterCount: 2_134_000).details.parameterSize == "2.1M")
        #expect(entry.modifiedAt == "2023-11-14T22:13:20.000000000Z")
        let show = model.show(requestedName: "tiny", fallbackUnixSeconds: 0)
        #expect(show.modelInfo["general.architecture"] == .string("llama"))
        #expect(show.modelInfo["llama.context_length"] == .int(2048))
        #expect(show.modelInfo["general.basename"] == .string("tiny"))
        #expect(show.capabilities == ["completion"])
    }
}
