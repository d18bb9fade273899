import Foundation
import SwitchyardCore
import SwitchyardFixtures
import Testing

@Suite struct ReverseRequestTranslationTests {
    func chat(_ json: String) throws -> TranslatedRequest {
        try OpenAIToOllama.chat(try JSONCoding.decodeRequest(OpenAIChatRequest.self, from: Array(json.utf8)))
    }

    @Test func samplingAndLimitsBecomeOptions() throws {
        let body = try chat(
            #"{"model":"m","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":9,"temperature":0.5,"top_p":0.8,"seed":3,"stop":"END","presence_penalty":0.1,"frequency_penalty":0.2,"stream":true}"#
        ).body
        #expect(body["model"] == .string("m"))
        #expect(body["stream"] == .bool(true))
        let options = try #require(body["options"]?.objectValue)
        #expect(options["num_predict"] == .int(9))
        #expect(options["temperature"] == .double(0.5))
        #expect(options["top_p"] == .double(0.8))
        #expect(options["seed"] == .int(3))
        #expect(options["stop"] == .array([.string("END")]))
        #expect(options["presence_penalty"] == .double(0.1))
        #expect(options["frequency_penalty"] == .double(0.2))
    }

    @Test func streamIsAlwaysExplicitBecauseOllamaDefaultsToStreaming() throws {
        #expect(try chat(#"{"model":"m","messages":[]}"#).body["stream"] == .bool(false))
    }

    @Test func contentPartsAndImages() throws {
        let body = try chat(
            #"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"one"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}},{"type":"text","text":"two"}]}]}"#
        ).body
        let message = try #require(body["messages"]?.arrayValue?.first)
        #expect(message["content"] == .string("one\ntwo"))
        #expect(message["images"] == .array([.string("iVBORw0KGgo=")]))
        #expect(throws: RequestError.self) {
            try chat(#"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]}"#)
        }
    }

    @Test func toolCallsAndToolResults() throws {
        let body = try chat(
            #"{"model":"m","tools":[{"type":"function","function":{"name":"get_weather"}}],"messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},{"id":"call_2","type":"function","function":{"name":"get_time","arguments":""}}]},{"role":"tool","tool_call_id":"call_1","content":"18C"}]}"#
        ).body
        let messages = try #require(body["messages"]?.arrayValue)
        let calls = try #require(messages[0]["tool_calls"]?.arrayValue)
        #expect(calls[0]["id"] == .string("call_1"))
        #expect(calls[0]["function"]?["arguments"] == .object(["city": .string("Paris")]))
        #expect(calls[1]["function"]?["arguments"] == .object([:]), "empty arguments mean none")
        #expect(messages[1]["tool_name"] == .string("get_weather"), "found through the call id")
        #expect(messages[1]["tool_call_id"] == .string("call_1"))
        #expect(body["tools"]?.arrayValue?.count == 1)
        #expect(throws: RequestError.self) {
            try chat(#"{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f","arguments":"{oops"}}]}]}"#)
        }
    }

    @Test func formatsAndReasoning() throws {
        #expect(try chat(#"{"model":"m","messages":[],"response_format":{"type":"json_object"}}"#).body["format"] == .string("json"))
        let schema = try chat(
            #"{"model":"m","messages":[],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}}}"#)
        #expect(schema.body["format"] == .object(["type": .string("object")]))
        #expect(try chat(#"{"model":"m","messages":[],"response_format":{"type":"text"}}"#).body["format"] == nil)
        #expect(try chat(#"{"model":"m","messages":[],"reasoning_effort":"none"}"#).body["think"] == .bool(false))
        #expect(try chat(#"{"model":"m","messages":[],"reasoning":{"effort":"high"},"reasoning_effort":"low"}"#).body["think"] == .string("high"))
        #expect(throws: RequestError.self) { try chat(#"{"model":"m","messages":[],"reasoning_effort":"extreme"}"#) }
    }

    @Test func whatOllamaCannotDoIsRefusedOrReported() throws {
        #expect(throws: RequestError(.badRequest, "n > 1 is not supported: an Ollama upstream generates one choice per request")) {
            try chat(#"{"model":"m","messages":[],"n":2}"#)
        }
        let translated = try chat(
            #"{"model":"m","messages":[{"role":"developer","content":"x"}],"logit_bias":{"1":2},"user":"u","tool_choice":"required"}"#)
        #expect(translated.untranslated.map(\.path) == ["logit_bias", "user", "tool_choice"])
        #expect(translated.body["messages"]?.arrayValue?.first?["role"] == .string("system"))
    }

    @Test func completionsAndEmbeddings() throws {
        let completion = try OpenAIToOllama.completion(
            try JSONCoding.decodeRequest(
                OpenAICompletionRequest.self, from: Array(#"{"model":"m","prompt":["Once"],"suffix":"end","max_tokens":3}"#.utf8)))
        #expect(completion.body["prompt"] == .string("Once"))
        #expect(completion.body["suffix"] == .string("end"))
        #expect(completion.body["options"]?["num_predict"] == .int(3))
        let embeddings = try JSONCoding.decodeRequest(
            OpenAIEmbeddingsRequest.self, from: Array(#"{"model":"e","input":"a","encoding_format":"base64"}"#.utf8))
        #expect(embeddings.encoding == .base64)
        #expect(OpenAIToOllama.embeddings(embeddings).body["input"] == .array([.string("a")]))
        #expect(throws: RequestError.self) {
            try JSONCoding.decodeRequest(OpenAIEmbeddingsRequest.self, from: Array(#"{"model":"e","input":[[1,2]]}"#.utf8))
        }
    }
}

@Suite struct ReverseReplyTranslationTests {
    func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func recordedChatReplyBecomesAChatCompletion() throws {
        let reply = try JSONDecoder().decode(OllamaReplyChunk.self, from: Data(try Fixtures.bytes("switchyard-ollama/chat.json")))
        let completion = try json(OllamaToOpenAI.chatCompletion(reply, model: "tiny", id: "chatcmpl-x", created: 5))
        #expect(completion["object"] as? String == "chat.completion")
        let choice = try #require((completion["choices"] as? [[String: Any]])?.first)
        #expect((choice["message"] as? [String: Any])?["content"] as? String == reply.text)
        #expect(choice["finish_reason"] as? String == "length")
        let usage = try #require(completion["usage"] as? [String: Any])
        #expect(usage["completion_tokens"] as? Int == reply.evalCount)
        #expect(usage["total_tokens"] as? Int == (reply.evalCount ?? 0) + (reply.promptEvalCount ?? 0))
    }

    @Test func toolCallsInAWholeReply() throws {
        let reply = try JSONDecoder().decode(
            OllamaReplyChunk.self,
            from: Data(
                #"{"message":{"content":"","tool_calls":[{"function":{"name":"f","arguments":{"a":1}}}]},"done":true,"done_reason":"stop"}"#.utf8))
        let choice = try #require(
            (try json(OllamaToOpenAI.chatCompletion(reply, model: "m", id: "i", created: 0))["choices"] as? [[String: Any]])?.first)
        #expect(choice["finish_reason"] as? String == "tool_calls")
        let call = try #require(((choice["message"] as? [String: Any])?["tool_calls"] as? [[String: Any]])?.first)
        #expect((call["function"] as? [String: Any])?["arguments"] as? String == #"{"a":1}"#)
        #expect((call["id"] as? String)?.hasPrefix("call_") == true)
    }

    @Test func embeddingsAsFloatsOrBase64() throws {
        let reply = try JSONDecoder().decode(OllamaEmbedReply.self, from: Data(try Fixtures.bytes("switchyard-ollama/embed.json")))
        let floats = try json(OllamaToOpenAI.embeddings(reply.embeddings, promptTokens: reply.promptEvalCount, model: "e", encoding: .float))
        let data = try #require(floats["data"] as? [[String: Any]])
        #expect(data.map { $0["index"] as? Int } == [0, 1])
        let first = try #require(data[0]["embedding"] as? [Double])
        #expect(zip(first, reply.embeddings[0]).allSatisfy { abs($0 - $1) < 1e-12 })
        let encoded = try json(OllamaToOpenAI.embeddings(reply.embeddings, promptTokens: nil, model: "e", encoding: .base64))
        let base64 = try #require((encoded["data"] as? [[String: Any]])?.first?["embedding"] as? String)
        let decoded = try #require(Data(base64Encoded: base64)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(decoded.count == reply.embeddings[0].count)
        #expect(zip(decoded, reply.embeddings[0]).allSatisfy { abs(Double($0) - $1) < 1e-6 })
    }

    @Test func modelsFromTags() throws {
        let tags = try JSONDecoder().decode(OllamaTagsReply.self, from: Data(try Fixtures.bytes("switchyard-ollama/tags.json")))
        let list = try json(OllamaToOpenAI.modelList(tags.models.map { ($0.model ?? "", $0.modifiedAt) }))
        let model = try #require((list["data"] as? [[String: Any]])?.first)
        #expect(model["id"] as? String == "tiny:latest")
        #expect(model["object"] as? String == "model")
        #expect(model["owned_by"] as? String == "library")
        #expect((model["created"] as? Int ?? 0) > 1_700_000_000)
        #expect(try json(OllamaToOpenAI.modelObject(id: "me/model:7b", modifiedAt: nil))["owned_by"] as? String == "me")
    }

    @Test func rfc3339Parsing() {
        #expect(Timestamp.unixSeconds(rfc3339: "1970-01-01T00:00:00Z") == 0)
        #expect(Timestamp.unixSeconds(rfc3339: "2025-05-04T17:37:44.706015396-07:00") == 1_746_405_464)
        #expect(Timestamp.unixSeconds(rfc3339: "2000-02-29T00:00:00.000000001Z") == 951_782_400)
        #expect(Timestamp.unixSeconds(rfc3339: "yesterday") == nil)
    }
}
