import SwitchyardCore
import Testing

@Suite struct RequestTranslationTests {
    func chat(_ json: String) throws -> TranslatedRequest {
        let request = try JSONCoding.decodeRequest(OllamaChatRequest.self, from: Array(json.utf8))
        return try OllamaToOpenAI.chat(request, upstreamModel: "tiny")
    }

    @Test func streamingChatAsksForUsage() throws {
        let translated = try chat(#"{"model":"tiny:latest","messages":[{"role":"user","content":"hi"}]}"#)
        #expect(translated.body["model"] == .string("tiny"))
        #expect(translated.body["stream"] == .bool(true))  // Ollama streams when `stream` is absent
        #expect(translated.body["stream_options"] == .object(["include_usage": .bool(true)]))
        #expect(translated.body["messages"] == .array([.object(["role": .string("user"), "content": .string("hi")])]))
        #expect(translated.untranslated.isEmpty)
    }

    @Test func nonStreamingChatHasNoStreamOptions() throws {
        let translated = try chat(#"{"model":"tiny","stream":false,"messages":[{"role":"SYSTEM","content":"be brief"}]}"#)
        #expect(translated.body["stream"] == .bool(false))
        #expect(translated.body["stream_options"] == nil)
        #expect(translated.body["messages"]?.arrayValue?.first?["role"] == .string("system"))
    }

    @Test func samplingOptionsMapOneToOne() throws {
        let translated = try chat(
            #"{"model":"m","messages":[],"options":{"num_predict":42,"temperature":0.2,"top_p":0.9,"top_k":40,"min_p":0.05,"seed":7,"stop":["\n","END"],"repeat_penalty":1.1,"presence_penalty":0.5,"frequency_penalty":0.25}}"#
        )
        let body = translated.body
        #expect(body["max_tokens"] == .int(42))
        #expect(body["temperature"] == .double(0.2))
        #expect(body["top_p"] == .double(0.9))
        #expect(body["top_k"] == .int(40))
        #expect(body["min_p"] == .double(0.05))
        #expect(body["seed"] == .int(7))
        #expect(body["stop"] == .array([.string("\n"), .string("END")]))
        #expect(body["repeat_penalty"] == .double(1.1))
        #expect(body["presence_penalty"] == .double(0.5))
        #expect(body["frequency_penalty"] == .double(0.25))
        #expect(translated.untranslated.isEmpty)
    }

    @Test func unlimitedPredictionsAndRandomSeedAreTheUpstreamDefault() throws {
        for limit in [-1, -2] {
            let body = try chat(#"{"model":"m","options":{"num_predict":\#(limit),"seed":-1}}"#).body
            #expect(body["max_tokens"] == nil)
            #expect(body["seed"] == nil)
        }
    }

    @Test func loadTimeAndUnknownOptionsAreReportedNotDropped() throws {
        let translated = try chat(#"{"model":"m","options":{"num_ctx":8192,"mirostat":1},"truncate":false}"#)
        #expect(translated.untranslated.map(\.path) == ["options.mirostat", "options.num_ctx", "truncate"])
        #expect(translated.body["num_ctx"] == nil)
    }

    @Test func wronglyTypedOptionIsAClientError() throws {
        #expect(throws: RequestError(.badRequest, "option \"num_predict\" must be of type integer")) {
            try chat(#"{"model":"m","options":{"num_predict":"lots"}}"#)
        }
        #expect(throws: RequestError(.badRequest, "option \"stop\" must be of type array")) {
            try chat(#"{"model":"m","options":{"stop":5}}"#)
        }
    }

    @Test func formatBecomesResponseFormat() throws {
        #expect(try chat(#"{"model":"m","format":"json"}"#).body["response_format"] == .object(["type": .string("json_object")]))
        let schema = try chat(#"{"model":"m","format":{"type":"object"}}"#).body["response_format"]
        #expect(schema?["type"] == .string("json_schema"))
        #expect(schema?["json_schema"]?["schema"] == .object(["type": .string("object")]))
        #expect(throws: RequestError.self) { try chat(#"{"model":"m","format":42}"#) }
    }

    @Test func imagesBecomeDataURLParts() throws {
        let body = try chat(#"{"model":"m","messages":[{"role":"user","content":"what is this","images":["iVBORw0KGgo="]}]}"#).body
        let content = body["messages"]?.arrayValue?.first?["content"]?.arrayValue
        #expect(content?.first == .object(["type": .string("text"), "text": .string("what is this")]))
        #expect(content?.last?["image_url"]?["url"] == .string("data:image/png;base64,iVBORw0KGgo="))
    }

    @Test func generateIsASystemAndUserTurn() throws {
        let request = try JSONCoding.decodeRequest(
            OllamaGenerateRequest.self, from: Array(#"{"model":"m","prompt":"Why?","system":"Be short.","context":[1,2]}"#.utf8))
        let translated = try OllamaToOpenAI.generate(request, upstreamModel: "m")
        #expect(
            translated.body["messages"]
                == .array([
                    .object(["role": .string("system"), "content": .string("Be short.")]),
                    .object(["role": .string("user"), "content": .string("Why?")]),
                ]))
        #expect(translated.untranslated.map(\.path) == ["context"])
    }

    @Test func embedTakesAStringOrAnArray() throws {
        let one = try JSONCoding.decodeRequest(OllamaEmbedRequest.self, from: Array(#"{"model":"e","input":"a","dimensions":8}"#.utf8))
        #expect(one.input == ["a"])
        let body = OllamaToOpenAI.embed(one, upstreamModel: "e").body
        #expect(body["input"] == .array([.string("a")]))
        #expect(body["dimensions"] == .int(8))
        let many = try JSONCoding.decodeRequest(OllamaEmbedRequest.self, from: Array(#"{"model":"e","input":["a","b"]}"#.utf8))
        #expect(many.input == ["a", "b"])
        #expect(throws: RequestError(.badRequest, "invalid input type")) {
            try JSONCoding.decodeRequest(OllamaEmbedRequest.self, from: Array(#"{"model":"e","input":[1]}"#.utf8))
        }
    }

    @Test func malformedBodiesGetReadableErrors() {
        #expect(throws: RequestError(.badRequest, "missing request body")) {
            try JSONCoding.decodeRequest(OllamaChatRequest.self, from: [])
        }
        #expect(throws: RequestError(.badRequest, "invalid request: 'model' must be a string")) {
            try JSONCoding.decodeRequest(OllamaChatRequest.self, from: Array(#"{"model":5}"#.utf8))
        }
        #expect(throws: RequestError(.badRequest, "invalid request: 'messages[0].content' must be a string")) {
            try JSONCoding.decodeRequest(OllamaChatRequest.self, from: Array(#"{"model":"m","messages":[{"role":"user","content":[1]}]}"#.utf8))
        }
        #expect(throws: RequestError.self) {
            try JSONCoding.decodeRequest(OllamaChatRequest.self, from: Array(#"{"model":"m""#.utf8))
        }
    }

    @Test func keepAliveAcceptsNumbersAndDurations() throws {
        let text = try JSONCoding.decodeRequest(OllamaChatRequest.self, from: Array(#"{"model":"m","keep_alive":"10m"}"#.utf8))
        #expect(text.parameters.keepAlive == .duration(nanoseconds: 600_000_000_000))
        let number = try JSONCoding.decodeRequest(OllamaChatRequest.self, from: Array(#"{"model":"m","keep_alive":-1}"#.utf8))
        #expect(number.parameters.keepAlive == .forever)
        #expect(throws: RequestError.self) {
            try JSONCoding.decodeRequest(OllamaChatRequest.self, from: Array(#"{"model":"m","keep_alive":"often"}"#.utf8))
        }
    }
}
