import SwitchyardCore
import Testing

/// A derived model's settings laid over each surface's request, by Ollama's rules.
@Suite struct DerivedModelTests {
    let model = DerivedModel(
        system: "Arr.", parameters: ["temperature": .double(0.2), "num_predict": .int(64), "stop": .string("END"), "min_p": .double(0.1)],
        messages: [.object(["role": "user", "content": "Who?"]), .object(["role": "assistant", "content": "A pirate."])])

    func applied(_ json: String, on surface: DerivedModel.Surface) throws -> (body: [String: JSONValue], notes: [String]) {
        var body = try #require(try JSONCoding.decodeRequest(JSONValue.self, from: Array(json.utf8)).objectValue)
        let notes = try model.apply(to: &body, on: surface)
        return (body, notes.map(\.path))
    }

    func roles(_ body: [String: JSONValue], _ key: String = "messages") -> [String] {
        (body[key]?.arrayValue ?? []).map { "\($0["role"]?.stringValue ?? ""):\($0["content"]?.stringValue ?? "")" }
    }

    @Test func ollamaChatGetsSystemMessagesAndMissingOptions() throws {
        let (body, notes) = try applied(#"{"model":"p","options":{"temperature":1},"messages":[{"role":"user","content":"hi"}]}"#, on: .ollamaChat)
        #expect(roles(body) == ["system:Arr.", "user:Who?", "assistant:A pirate.", "user:hi"])
        #expect(body["options"]?["temperature"] == .int(1), "the client's value wins")
        #expect(body["options"]?["num_predict"] == .int(64))
        #expect(notes.isEmpty)
        let load = try applied(#"{"model":"p","messages":[]}"#, on: .ollamaChat).body
        #expect(load["messages"] == .array([]), "a load request stays one")
    }

    @Test func aClientSystemMessageReplacesTheDerivedOne() throws {
        let chat = try applied(#"{"messages":[{"role":"developer","content":"Be brief."},{"role":"user","content":"hi"}]}"#, on: .openAIChat)
        #expect(roles(chat.body) == ["user:Who?", "assistant:A pirate.", "developer:Be brief.", "user:hi"])
        let anthropic = try applied(#"{"system":"Be brief.","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}"#, on: .anthropic)
        #expect(anthropic.body["system"] == "Be brief.")
        #expect(anthropic.body["max_tokens"] == .int(8))
        #expect(anthropic.body["stop_sequences"] == .array(["END"]))
        #expect(anthropic.notes == ["parameters.min_p"])
        let responses = try applied(#"{"instructions":"Be brief.","input":[{"role":"user","content":"hi"}]}"#, on: .responses)
        #expect(responses.body["instructions"] == "Be brief.")
        #expect(roles(responses.body, "input") == ["user:Who?", "assistant:A pirate.", "user:hi"])
        #expect(responses.body["max_output_tokens"] == .int(64))
    }

    @Test func openAIBodiesGetOpenAINames() throws {
        let (body, notes) = try applied(#"{"max_completion_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#, on: .openAIChat)
        #expect(body["max_tokens"] == nil, "max_completion_tokens is the client's limit")
        #expect(body["stop"] == .array(["END"]))
        #expect(body["min_p"] == .double(0.1))
        #expect(body["temperature"] == .double(0.2))
        #expect(notes.isEmpty)
        let completion = try applied(#"{"prompt":"x"}"#, on: .openAICompletion)
        #expect(completion.body["prompt"] == "x")
        #expect(completion.body["max_tokens"] == .int(64))
        #expect(completion.notes == ["system", "messages"])
    }

    @Test func generateTakesTheSystemPromptUnlessRawOrGiven() throws {
        let plain = try applied(#"{"prompt":"hi"}"#, on: .ollamaGenerate)
        #expect(plain.body["system"] == "Arr.")
        #expect(plain.notes == ["messages"])
        #expect(try applied(#"{"prompt":"hi","system":"Mine."}"#, on: .ollamaGenerate).body["system"] == "Mine.")
        let raw = try applied(#"{"prompt":"hi","raw":true}"#, on: .ollamaGenerate)
        #expect(raw.body["system"] == nil)
        #expect(raw.notes.isEmpty)
    }

    @Test func creationChecksWhatItKeeps() throws {
        let base = try DerivedModel.create(["system": "A", "parameters": .object(["temperature": .double(0.5), "seed": .int(1)])])
        let next = try DerivedModel.create(["parameters": .object(["temperature": .double(0.1), "seed": .null])], over: base)
        #expect(next.system == "A")
        #expect(next.parameters == ["temperature": .double(0.1)], "null removes an inherited parameter")
        #expect(throws: RequestError.self) { try DerivedModel.create(["parameters": .object(["nope": .int(1)])]) }
        #expect(throws: RequestError.self) { try DerivedModel.create(["system": .int(1)]) }
        #expect(throws: RequestError.self) { try DerivedModel.create(["messages": .array([.object(["role": "user"])])]) }
        let many = JSONValue.array(Array(repeating: .object(["role": "user", "content": "x"]), count: DerivedModel.maximumMessages + 1))
        #expect(throws: RequestError.self) { try DerivedModel.create(["messages": many]) }
    }

    @Test func showTellsWhatTheModelAdds() throws {
        var show = UpstreamModelInfo(id: "tiny", contextLength: 2048).show(requestedName: "pirate", fallbackUnixSeconds: 0)
        model.describe(&show, from: "local/tiny")
        #expect(show.system == "Arr.")
        #expect(
            show.parameters.split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" } == [
                "num_ctx", "min_p", "num_predict", "stop", "temperature",
            ])
        #expect(show.modelfile.contains("FROM local/tiny\nSYSTEM \"Arr.\"\nPARAMETER min_p 0.1\n"))
        #expect(show.modelfile.hasSuffix("MESSAGE user \"Who?\"\nMESSAGE assistant \"A pirate.\"\n"))
    }
}
