import SwitchyardCore
import Testing

/// Tools, tool-call history, thinking, logprobs and the text-completion path of `/api/generate`
/// in requests, Ollama → OpenAI.
@Suite struct FeatureRequestTests {
    static let weather =
        #"{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}"#

    func chat(_ json: String, traits: UpstreamTraits = .init()) throws -> TranslatedRequest {
        try OllamaToOpenAI.chat(JSONCoding.decodeRequest(OllamaChatRequest.self, from: Array(json.utf8)), upstreamModel: "m", traits: traits)
    }

    func generate(_ json: String) throws -> TranslatedRequest {
        try OllamaToOpenAI.generate(JSONCoding.decodeRequest(OllamaGenerateRequest.self, from: Array(json.utf8)), upstreamModel: "m")
    }

    @Test func toolsGoUpstreamWithTheConfiguredChoice() throws {
        let plain = try chat(#"{"model":"m","messages":[],"tools":[\#(Self.weather)]}"#)
        #expect(plain.body["tools"]?.arrayValue?.first?["function"]?["name"] == .string("get_weather"))
        #expect(plain.body["tool_choice"] == nil)
        #expect(plain.untranslated.isEmpty)
        let forced = try chat(#"{"model":"m","tools":[\#(Self.weather)]}"#, traits: .init(defaultToolChoice: "required"))
        #expect(forced.body["tool_choice"] == .string("required"))
        #expect(try chat(#"{"model":"m","tools":[]}"#, traits: .init(defaultToolChoice: "required")).body["tool_choice"] == nil)
        #expect(throws: RequestError(.badRequest, "tools[0].function.name is required")) { try chat(#"{"model":"m","tools":[{"type":"function"}]}"#) }
    }

    @Test func toolCallHistoryIsLinkedByIdOrName() throws {
        let body = try chat(
            #"""
            {"model":"m","messages":[
              {"role":"user","content":"weather and time?"},
              {"role":"assistant","content":"","tool_calls":[
                {"function":{"name":"get_weather","arguments":{"city":"Paris"}}},
                {"id":"call_given","function":{"index":1,"name":"get_time","arguments":{}}}]},
              {"role":"tool","content":"12:00","tool_name":"get_time"},
              {"role":"tool","content":"sunny","tool_name":"get_weather"}]}
            """#
        ).body
        let messages = try #require(body["messages"]?.arrayValue)
        let calls = try #require(messages[1]["tool_calls"]?.arrayValue)
        #expect(calls[0]["type"] == .string("function"))
        #expect(calls[0]["function"]?["arguments"] == .string(#"{"city":"Paris"}"#), "arguments as a JSON string")
        let madeUp = try #require(calls[0]["id"]?.stringValue)
        #expect(madeUp.hasPrefix("call_") && madeUp.count == 13)
        #expect(calls[1]["id"] == .string("call_given"))
        #expect(messages[2]["tool_call_id"] == .string("call_given"), "matched by tool_name")
        #expect(messages[3]["tool_call_id"] == .string(madeUp))
        // The same history gives the same ids, so a conversation's requests agree.
        #expect(
            try chat(
                #"{"model":"m","messages":[{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"Paris"}}}]}]}"#
            )
            .body["messages"]?.arrayValue?.first?["tool_calls"]?.arrayValue?.first?["id"] == .string(madeUp))
    }

    @Test func aResultWithAnIdKeepsItAndAnUnlinkableOneIsReported() throws {
        let linked = try chat(#"{"model":"m","messages":[{"role":"tool","content":"x","tool_call_id":"abc"}]}"#)
        #expect(linked.body["messages"]?.arrayValue?.first?["tool_call_id"] == .string("abc"))
        let orphan = try chat(#"{"model":"m","messages":[{"role":"tool","content":"x","tool_name":"f"}]}"#)
        #expect(orphan.untranslated.map(\.path) == ["messages[0].tool_name"])
    }

    @Test(arguments: [
        (#"true"#, "medium", true), (#"false"#, "none", false), (#""low""#, "low", true), (#""high""#, "high", true), (#""max""#, "high", true),
    ])
    func thinkBecomesReasoningEffort(think: String, effort: String, enabled: Bool) throws {
        let generic = try chat(#"{"model":"m","think":\#(think)}"#, traits: .init(knownToThink: true))
        #expect(generic.body["reasoning_effort"] == .string(effort))
        #expect(generic.body["chat_template_kwargs"] == nil, "only upstreams that read it get chat_template_kwargs")
        #expect(generic.showThinking == enabled)
        let llama = try chat(#"{"model":"m","think":\#(think)}"#, traits: .init(acceptsTemplateKwargs: true))
        #expect(llama.body["chat_template_kwargs"] == .object(["enable_thinking": .bool(enabled)]))
    }

    @Test func thinkFalseNeverRisksARefusalFromAModelThatDoesNotReason() throws {
        // Unknown upstream, model not known to reason: nothing sent, reasoning dropped from the reply.
        let unknown = try chat(#"{"model":"m","think":false}"#)
        #expect(unknown.body["reasoning_effort"] == nil)
        #expect(!unknown.showThinking)
        #expect(unknown.untranslated.map(\.path) == ["think"])
        #expect(try chat(#"{"model":"m","think":true}"#).body["reasoning_effort"] == .string("medium"))
    }

    @Test func aBadThinkValueIsRefusedAsOllamaDoes() throws {
        #expect(throws: RequestError(.badRequest, #"invalid think value: "lots" (must be "high", "medium", "low", "max", true, or false)"#)) {
            try chat(#"{"model":"m","think":"lots"}"#)
        }
        let untouched = try chat(#"{"model":"m"}"#)
        #expect(untouched.body["reasoning_effort"] == nil && untouched.showThinking)
    }

    @Test func logprobsAreAskedFor() throws {
        let body = try chat(#"{"model":"m","logprobs":true,"top_logprobs":3}"#).body
        #expect(body["logprobs"] == .bool(true))
        #expect(body["top_logprobs"] == .int(3))
        #expect(try chat(#"{"model":"m","logprobs":false}"#).body["logprobs"] == nil)
        #expect(throws: RequestError(.badRequest, "top_logprobs must be between 0 and 20")) {
            try chat(#"{"model":"m","logprobs":true,"top_logprobs":21}"#)
        }
    }

    @Test func rawAndSuffixAreTextCompletions() throws {
        let raw = try generate(#"{"model":"m","prompt":"[INST] hi [/INST]","raw":true,"stream":false}"#)
        #expect(raw.endpoint == .completions)
        #expect(raw.body["prompt"] == .string("[INST] hi [/INST]"))
        #expect(raw.body["messages"] == nil)
        let fill = try generate(#"{"model":"m","prompt":"def add(a, b):","suffix":"    return c","system":"be brief"}"#)
        #expect(fill.endpoint == .completions)
        #expect(fill.body["suffix"] == .string("    return c"))
        #expect(fill.untranslated.map(\.path) == ["system"])
        #expect(try generate(#"{"model":"m","prompt":"p","suffix":""}"#).endpoint == .chatCompletions)
    }

    @Test func rawRefusesWhatItCannotHonour() throws {
        #expect(throws: RequestError(.badRequest, "raw mode does not support template, system, or context")) {
            try generate(#"{"model":"m","prompt":"p","raw":true,"system":"s"}"#)
        }
        #expect(throws: RequestError.self) { try generate(#"{"model":"m","prompt":"p","raw":true,"images":["iVBORw0KGgo="]}"#) }
    }

    @Test func imagesOnGenerateAreSniffedDataURLs() throws {
        let body = try generate(#"{"model":"m","prompt":"what?","images":["/9j/4AAQSkZJRg=="]}"#).body
        let parts = body["messages"]?.arrayValue?.last?["content"]?.arrayValue
        #expect(parts?.last?["image_url"]?["url"] == .string("data:image/jpeg;base64,/9j/4AAQSkZJRg=="))
        #expect(throws: RequestError(.badRequest, "images[0] is not valid base64 image data")) {
            try generate(#"{"model":"m","prompt":"what?","images":["not base64!"]}"#)
        }
    }

    @Test func upstreamRefusalsOfImagesOrToolsAreTheClientsFault() {
        let upstream = RequestError(.upstream(status: 500), "image input is not supported - hint: you may need to provide the mmproj")
        #expect(upstream.forOllamaClient(sentImages: true, sentTools: false).status == 400)
        #expect(upstream.forOllamaClient(sentImages: false, sentTools: false).status == 500)
        #expect(RequestError(.upstream(status: 503), "busy", retryAfter: "3").forOllamaClient(sentImages: true, sentTools: true).status == 503)
    }
}
