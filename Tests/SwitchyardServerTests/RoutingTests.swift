import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwitchyardServer
import Testing

/// What a client gets for a path Switchyard does not serve, or a method a path does not take.
@Suite struct RoutingTests {
    @Test func aWrongMethodOnAKnownPathIs405WithAllow() async throws {
        try await withProxy { proxy in
            let tags = try await proxy.send(.post, "/api/tags", json: "{}")
            #expect(tags.status == .methodNotAllowed)
            #expect(tags.headers[.allow] == "GET, HEAD")
            #expect(try tags.json["error"] as? String == "method POST not allowed on /api/tags; use GET, HEAD")
            let chat = try await proxy.send(.get, "/api/chat")
            #expect(chat.status == .methodNotAllowed)
            #expect(chat.headers[.allow] == "POST")
            let openAI = try await proxy.send(.delete, "/v1/chat/completions")
            #expect(openAI.status == .methodNotAllowed)
            #expect(
                (try openAI.json["error"] as? [String: Any])?["message"] as? String == "method DELETE not allowed on /v1/chat/completions; use POST")
            #expect(try await proxy.send(.post, "/v1/models/tiny").status == .methodNotAllowed)
            #expect(proxy.log.entries.allSatisfy { $0.path != "/v1/chat/completions" }, "nothing reached the upstream")
        }
    }

    @Test func anUnknownPathIs404InTheCallersDialect() async throws {
        try await withProxy { proxy in
            let ollama = try await proxy.send(.get, "/api/nothing")
            #expect(ollama.status == .notFound)
            #expect(try ollama.json["error"] as? String == "/api/nothing not found")
            #expect(try await proxy.send(.get, "/v1/nothing").status == .notFound)
            // The right methods still work.
            #expect(try await proxy.send(.head, "/api/tags").status == .ok)
            #expect(try await proxy.send(.get, "/v1/models").status == .ok)
        }
    }
}
