import Foundation
import Hummingbird
import HummingbirdTesting
import SwitchyardCore
import Testing

@testable import SwitchyardServer

/// `/api/copy` and `/api/delete` over an upstream that has no such thing: names kept by
/// Switchyard, listed and served like the models they stand for, and kept across restarts.
@Suite struct AliasTests {
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
            #expect(try overwrite.json["error"] as? String == "'tiny' is a model of upstream 'default'; copy to another name")
            let owned = try await proxy.send(.delete, "/api/delete", json: #"{"model":"tiny"}"#)
            #expect(owned.status == .forbidden)
            #expect(try (owned.json["error"] as? String)?.contains("deletes only the names it made with /api/copy") == true)
            #expect(try await proxy.send(.delete, "/api/delete", json: #"{"model":"ghost"}"#).status == .notFound)
            #expect(try await proxy.send(.post, "/api/copy", json: #"{"source":"ghost","destination":"x"}"#).status == .notFound)
            #expect(try await proxy.send(.post, "/api/copy", json: #"{"source":"tiny"}"#).status == .badRequest)
        }
    }

    @Test func aliasesSurviveARestartAndACorruptFileIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-aliases-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try AliasStore(directory: directory + "/state").set("Mine", to: "local/tiny")
        let reopened = try AliasStore(directory: directory + "/state")
        #expect(reopened.target(of: "mine:latest") == "local/tiny")
        #expect(try reopened.remove("MINE"))
        #expect(try AliasStore(directory: directory + "/state").isEmpty)

        let full = AliasStore()
        for index in 0..<AliasStore.limit { try full.set("a\(index)", to: "local/tiny") }
        #expect(throws: RequestError.self) { try full.set("one-more", to: "local/tiny") }
        try full.set("a0", to: "local/other")  // replacing one is not adding one
        #expect(full.target(of: "a0") == "local/other")

        try Data("{not json".utf8).write(to: URL(fileURLWithPath: directory + "/state/aliases.json"))
        #expect(throws: ConfigurationError.self) { try AliasStore(directory: directory + "/state") }
        #expect(try String(contentsOfFile: directory + "/state/aliases.json", encoding: .utf8) == "{not json", "never replaced")
    }
}
