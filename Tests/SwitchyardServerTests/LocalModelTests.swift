import Foundation
import Hummingbird
import HummingbirdTesting
import SwitchyardCore
import Testing

@testable import SwitchyardServer

/// `/api/copy`, `/api/create` and `/api/delete` over an upstream that has no such thing: models
/// kept by Switchyard, listed and served like the models they stand for, and kept across restarts.
@Suite struct LocalModelTests {
    @Test func aCopyIsListedServedAndDeleted() async throws {
        let upstream = FakeUpstream()
        try await withProxy(upstream: upstream) { proxy in
            #expect(try await proxy.send(.post, "/api/copy", json: #"{"source":"tiny","destination":"mine"}"#).status == .ok)
            let tags = try await proxy.send(.get, "/api/tags")
            #expect(try (tags.json["models"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } == ["tiny:latest", "mine:latest"])
            let models = try await proxy.send(.get, "/v1/models")
            #expect(try (models.json["data"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } == ["tiny", "mine:latest"])

            // Passed through under the model's own name; only the name's bytes differ.
            let body = #"{"model":"mine","messages":[{"role":"user","content":"hi"}]}"#
            #expect(try await proxy.send(.post, "/v1/chat/completions", json: body).status == .ok)
            #expect(
                upstream.log.chats.last.map { String(decoding: $0.body, as: UTF8.self) }
                    == #"{"model":"tiny","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(try await proxy.send(.post, "/api/chat", json: #"{"model":"mine:latest","stream":false,"messages":[]}"#).status == .ok)
            let show = try await proxy.send(.post, "/api/show", json: #"{"model":"mine"}"#)
            #expect(show.status == .ok)

            #expect(try await proxy.send(.delete, "/api/delete", json: #"{"model":"mine"}"#).status == .ok)
            #expect(try await proxy.send(.post, "/api/chat", json: #"{"model":"mine","messages":[]}"#).status == .notFound)
        }
    }

    @Test func theUpstreamsOwnModelsAreNotSwitchyardsToTakeOrRemove() async throws {
        try await withProxy { proxy in
            let overwrite = try await proxy.send(.post, "/api/copy", json: #"{"source":"tiny","destination":"tiny"}"#)
            #expect(overwrite.status == .badRequest)
            #expect(try overwrite.json["error"] as? String == "'tiny' is a model of upstream 'default'; choose another name")
            let owned = try await proxy.send(.delete, "/api/delete", json: #"{"model":"tiny"}"#)
            #expect(owned.status == .forbidden)
            #expect(try (owned.json["error"] as? String)?.contains("deletes only the models it made with /api/copy and /api/create") == true)
            #expect(try await proxy.send(.delete, "/api/delete", json: #"{"model":"ghost"}"#).status == .notFound)
            #expect(try await proxy.send(.post, "/api/copy", json: #"{"source":"ghost","destination":"x"}"#).status == .notFound)
            #expect(try await proxy.send(.post, "/api/copy", json: #"{"source":"tiny"}"#).status == .badRequest)
        }
    }

    @Test func localModelsSurviveARestartAndACorruptFileIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-models-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pirate = LocalModel(from: "local/tiny", derived: DerivedModel(system: "Arr", parameters: ["temperature": .double(0.2)]))
        try LocalModelStore(directory: directory + "/state").set("Mine", to: LocalModel(from: "local/tiny"))
        try LocalModelStore(directory: directory + "/state").set("pirate", to: pirate)
        let reopened = try LocalModelStore(directory: directory + "/state")
        #expect(reopened.model(named: "mine:latest")?.from == "local/tiny")
        #expect(reopened.model(named: "mine:latest")?.isDerived == false)
        #expect(reopened.model(named: "pirate") == pirate)
        #expect(try reopened.remove("MINE"))
        #expect(try reopened.remove("pirate"))
        #expect(try LocalModelStore(directory: directory + "/state").isEmpty)

        let full = LocalModelStore()
        for index in 0..<LocalModelStore.limit { try full.set("a\(index)", to: LocalModel(from: "local/tiny")) }
        #expect(throws: RequestError.self) { try full.set("one-more", to: LocalModel(from: "local/tiny")) }
        try full.set("a0", to: LocalModel(from: "local/other"))  // replacing one is not adding one
        #expect(full.model(named: "a0")?.from == "local/other")

        let earlier = directory + "/earlier"
        try FileManager.default.createDirectory(atPath: earlier, withIntermediateDirectories: true)
        try Data(#"{"aliases":{"old":"local/tiny"}}"#.utf8).write(to: URL(fileURLWithPath: earlier + "/aliases.json"))
        #expect(try LocalModelStore(directory: earlier).model(named: "old")?.from == "local/tiny", "an earlier build's aliases are taken over")

        try Data("{not json".utf8).write(to: URL(fileURLWithPath: directory + "/state/models.json"))
        #expect(throws: ConfigurationError.self) { try LocalModelStore(directory: directory + "/state") }
        #expect(try String(contentsOfFile: directory + "/state/models.json", encoding: .utf8) == "{not json", "never replaced")
    }

    static let pirate = #"""
        {"model":"pirate","from":"tiny","stream":false,"system":"Talk like a pirate.",
         "parameters":{"temperature":0.2,"stop":["END"],"num_ctx":4096},
         "messages":[{"role":"user","content":"Who are you?"},{"role":"assistant","content":"A pirate."}]}
        """#

    @Test func aDerivedModelsSettingsReachTheUpstreamOnEverySurface() async throws {
        let upstream = FakeUpstream()
        try await withProxy(upstream: upstream) { proxy in
            let created = try await proxy.send(.post, "/api/create", json: Self.pirate)
            #expect(created.status == .ok)
            #expect(try created.json["status"] as? String == "success")
            let tags = try await proxy.send(.get, "/api/tags")
            #expect(try (tags.json["models"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } == ["tiny:latest", "pirate:latest"])

            // Ollama's order: the derived system prompt, the derived messages, the client's; the
            // client's own values win over the derived parameters.
            let chat = #"{"model":"pirate","stream":false,"options":{"temperature":0.9},"messages":[{"role":"user","content":"hi"}]}"#
            let answer = try await proxy.send(.post, "/api/chat", json: chat)
            #expect(answer.status == .ok)
            #expect(answer.headers[UntranslatedFields.header]?.contains("options.num_ctx") == true, "a load-time option is reported")
            var sent = try #require(upstream.log.chats.last?.json)
            #expect(sent["model"] as? String == "tiny")
            #expect(Self.turns(sent) == ["system: Talk like a pirate.", "user: Who are you?", "assistant: A pirate.", "user: hi"])
            #expect(sent["temperature"] as? Double == 0.9)
            #expect(sent["stop"] as? [String] == ["END"])

            // A client's own system message replaces the derived one.
            let ownSystem = #"{"model":"pirate","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}]}"#
            #expect(try await proxy.send(.post, "/v1/chat/completions", json: ownSystem).status == .ok)
            sent = try #require(upstream.log.chats.last?.json)
            #expect(Self.turns(sent) == ["user: Who are you?", "assistant: A pirate.", "system: Be brief.", "user: hi"])
            #expect(sent["temperature"] as? Double == 0.2)

            let anthropic = #"{"model":"pirate","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}"#
            #expect(try await proxy.send(.post, "/v1/messages", json: anthropic).status == .ok)
            sent = try #require(upstream.log.chats.last?.json)
            #expect(Self.turns(sent) == ["system: Talk like a pirate.", "user: Who are you?", "assistant: A pirate.", "user: hi"])

            let responses = #"{"model":"pirate","input":"hi"}"#
            #expect(try await proxy.send(.post, "/v1/responses", json: responses).status == .ok)
            sent = try #require(upstream.log.chats.last?.json)
            #expect(Self.turns(sent) == ["system: Talk like a pirate.", "user: Who are you?", "assistant: A pirate.", "user: hi"])

            let generate = try await proxy.send(.post, "/api/generate", json: #"{"model":"pirate","prompt":"hi","stream":false}"#)
            #expect(generate.status == .ok)
            #expect(generate.headers[UntranslatedFields.header]?.contains("messages") == true, "messages have no place in a generate")
            sent = try #require(upstream.log.chats.last?.json)
            #expect(Self.turns(sent) == ["system: Talk like a pirate.", "user: hi"])

            let show = try await proxy.send(.post, "/api/show", json: #"{"model":"pirate"}"#)
            #expect(try show.json["system"] as? String == "Talk like a pirate.")
            let parameters = try show.json["parameters"] as? String ?? ""
            #expect(parameters.contains("temperature") && parameters.contains(#"stop                           "END""#))
            #expect(try (show.json["modelfile"] as? String)?.hasPrefix("# Modelfile generated by Switchyard\nFROM default/tiny\n") == true)
            #expect(try (show.json["messages"] as? [[String: Any]])?.count == 2)
        }
    }

    @Test func overAnOllamaUpstreamTheDerivedSettingsTravelInOllamasOwnFields() async throws {
        let lab = FakeOllamaUpstream()
        let fakes = [
            MultiUpstreamTests.Fake(name: "local", server: FakeUpstream(), dialect: .openAI),
            MultiUpstreamTests.Fake(name: "lab", server: lab, dialect: .ollama),
        ]
        try await MultiUpstreamTests.withProxy(fakes) { proxy in
            let create = #"{"model":"lab-pirate","from":"lab/tiny","system":"Arr.","parameters":{"num_ctx":4096,"temperature":0.2},"stream":false}"#
            #expect(try await proxy.send(.post, "/api/create", json: create).status == .ok)
            let chat = #"{"model":"lab-pirate","stream":false,"options":{"temperature":0.7},"messages":[{"role":"user","content":"hi"}]}"#
            #expect(try await proxy.send(.post, "/api/chat", json: chat).status == .ok)
            let sent = try #require(lab.log.entries.last { $0.path == "/api/chat" }?.json)
            #expect(sent["model"] as? String == "tiny:latest")
            #expect(Self.turns(sent) == ["system: Arr.", "user: hi"])
            #expect(sent["options"] as? [String: Double] == ["temperature": 0.7, "num_ctx": 4096], "Ollama takes num_ctx itself")
            let before = lab.log.entries.count
            let show = try await proxy.send(.post, "/api/show", json: #"{"model":"lab-pirate"}"#)
            #expect(try show.json["system"] as? String == "Arr.")
            #expect(lab.log.entries.count == before, "answered by Switchyard, which knows the derived model")
        }
    }

    static func turns(_ body: [String: Any]) -> [String] {
        (body["messages"] as? [[String: Any]] ?? []).map { "\($0["role"] as? String ?? ""): \($0["content"] as? String ?? "")" }
    }

    @Test func aModelDerivedFromADerivedOneInheritsAndOverrides() async throws {
        let upstream = FakeUpstream()
        try await withProxy(upstream: upstream) { proxy in
            #expect(try await proxy.send(.post, "/api/create", json: Self.pirate).status == .ok)
            let calmer = #"{"model":"calm-pirate","from":"pirate","parameters":{"temperature":0.1},"stream":true}"#
            let created = try await proxy.send(.post, "/api/create", json: calmer)
            #expect(created.headers[.contentType] == "application/x-ndjson")
            #expect(String(buffer: created.body).hasSuffix(#"{"status":"success"}"# + "\n"))
            #expect(
                try await proxy.send(.post, "/api/chat", json: #"{"model":"calm-pirate","stream":false,"messages":[{"role":"user","content":"hi"}]}"#)
                    .status == .ok)
            let sent = try #require(upstream.log.chats.last?.json)
            #expect(sent["temperature"] as? Double == 0.1)
            #expect(sent["stop"] as? [String] == ["END"])
            #expect(Self.turns(sent).first == "system: Talk like a pirate.")
            // A copy of a derived model is the whole model.
            #expect(try await proxy.send(.post, "/api/copy", json: #"{"source":"calm-pirate","destination":"twin"}"#).status == .ok)
            let show = try await proxy.send(.post, "/api/show", json: #"{"model":"twin"}"#)
            #expect(try show.json["system"] as? String == "Talk like a pirate.")
            #expect(try await proxy.send(.delete, "/api/delete", json: #"{"model":"pirate"}"#).status == .ok)
            #expect(
                try await proxy.send(.post, "/api/show", json: #"{"model":"twin"}"#).status == .ok,
                "derived from the upstream's model, not from another name")
        }
    }

    @Test func whatCannotBeDerivedIsRefusedClearly() async throws {
        try await withProxy { proxy in
            let unknown = try await proxy.send(.post, "/api/create", json: #"{"model":"x","from":"tiny","parameters":{"temprature":1}}"#)
            #expect(unknown.status == .badRequest)
            #expect(try unknown.json["error"] as? String == "unknown parameter 'temprature'")
            let badType = try await proxy.send(.post, "/api/create", json: #"{"model":"x","from":"tiny","parameters":{"seed":"one"}}"#)
            #expect(badType.status == .badRequest)
            let files = try await proxy.send(.post, "/api/create", json: #"{"model":"x","files":{"a.gguf":"sha256:00"}}"#)
            #expect(files.status == .notImplemented)
            #expect(try await proxy.send(.post, "/api/create", json: #"{"model":"x"}"#).status == .badRequest)
            #expect(try await proxy.send(.post, "/api/create", json: #"{"model":"x","from":"ghost"}"#).status == .notFound)
            #expect(try await proxy.send(.post, "/api/create", json: #"{"model":"tiny","from":"tiny","system":"s"}"#).status == .badRequest)
            let role = try await proxy.send(.post, "/api/create", json: #"{"model":"x","from":"tiny","messages":[{"role":"wizard","content":"s"}]}"#)
            #expect(role.status == .badRequest)
            let tags = try await proxy.send(.get, "/api/tags")
            #expect(try (tags.json["models"] as? [[String: Any]] ?? []).count == 1, "nothing was made")
        }
    }
}
