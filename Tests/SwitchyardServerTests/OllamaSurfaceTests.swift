import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SwitchyardFixtures
import SwitchyardServer
import Testing

@Suite struct OllamaSurfaceTests {
    @Test func rootAndVersionAnswerLikeOllama() async throws {
        try await withProxy(configure: { $0.ollamaVersion = "0.13.2" }) { proxy in
            let root = try await proxy.send(.get, "/")
            #expect(root.status == .ok)
            #expect(root.text == "Ollama is running")
            #expect(try await proxy.send(.head, "/").status == .ok)
            let version = try await proxy.send(.get, "/api/version").json
            #expect(version["version"] as? String == "0.13.2")
        }
    }

    @Test func defaultVersionIsOneClientsAccept() async throws {
        try await withProxy { proxy in
            let version = try #require(try await proxy.send(.get, "/api/version").json["version"] as? String)
            let parts = version.split(separator: ".").compactMap { Int($0) }
            #expect(parts.count == 3)
            #expect(!parts.lexicographicallyPrecedes([0, 6, 4]), "Copilot refuses versions below 0.6.4")
        }
    }

    @Test func tagsListsEveryFieldStrictClientsDecode() async throws {
        try await withProxy { proxy in
            let tags = try await proxy.send(.get, "/api/tags").json
            let models = try #require(tags["models"] as? [[String: Any]])
            let model = try #require(models.first)
            #expect(models.count == 1)
            #expect(model["name"] as? String == "tiny:latest")
            #expect(model["model"] as? String == "tiny:latest")
            #expect((model["modified_at"] as? String)?.hasSuffix("Z") == true)
            #expect(model["size"] as? Int == 564_992)  // llama-server's meta.size
            let digest = try #require(model["digest"] as? String)
            #expect(digest.count == 64 && digest.allSatisfy(\.isHexDigit))
            let details = try #require(model["details"] as? [String: Any])
            for key in ["parent_model", "format", "family", "families", "parameter_size", "quantization_level"] {
                #expect(details[key] != nil, "details.\(key) missing")
            }
            #expect(details["context_length"] as? Int == 2048)
            // Stable across calls.
            let again = try await proxy.send(.get, "/api/tags").json
            #expect(((again["models"] as? [[String: Any]])?.first?["digest"] as? String) == digest)
        }
    }

    @Test func showDescribesTheModelWithItsRealContextLength() async throws {
        try await withProxy { proxy in
            for body in [#"{"model":"tiny"}"#, #"{"name":"tiny:latest"}"#] {
                let show = try await proxy.send(.post, "/api/show", json: body).json
                let capabilities = try #require(show["capabilities"] as? [String])
                #expect(capabilities.contains("completion"))
                let info = try #require(show["model_info"] as? [String: Any])
                let architecture = try #require(info["general.architecture"] as? String)
                #expect(info["\(architecture).context_length"] as? Int == 2048)  // from /props n_ctx
                #expect(info["general.basename"] is String)
                #expect(show["details"] is [String: Any])
                #expect(show["template"] is String)
                #expect(show["modified_at"] is String)
            }
        }
    }

    @Test func capabilitiesFollowWhatTheUpstreamReports() async throws {
        var upstream = FakeUpstream()
        upstream.propsFixture = nil  // a server without llama.cpp's /props
        try await withProxy(upstream: upstream) { proxy in
            let show = try await proxy.send(.post, "/api/show", json: #"{"model":"tiny"}"#).json
            #expect(show["capabilities"] as? [String] == ["completion"])
            let info = try #require(show["model_info"] as? [String: Any])
            #expect(info["llama.context_length"] as? Int == 2048)  // from /v1/models meta
        }
    }

    @Test func unknownModelIs404OnEveryModelRoute() async throws {
        try await withProxy { proxy in
            let bodies = [
                ("/api/show", #"{"model":"nope"}"#),
                ("/api/chat", #"{"model":"nope","messages":[{"role":"user","content":"hi"}]}"#),
                ("/api/generate", #"{"model":"nope","prompt":"hi"}"#),
                ("/api/embed", #"{"model":"nope","input":"hi"}"#),
                ("/api/embeddings", #"{"model":"nope","prompt":"hi"}"#),
                ("/api/chat", #"{"model":"tiny:7b","messages":[]}"#),
            ]
            for (path, body) in bodies {
                let response = try await proxy.send(.post, path, json: body)
                #expect(response.status == .notFound, "\(path)")
                let name = body.contains("tiny:7b") ? "tiny:7b" : "nope"
                #expect(try response.json["error"] as? String == "model '\(name)' not found", "\(path)")
            }
            #expect(proxy.log.chats.isEmpty)
        }
    }

    @Test func streamingChatIsTranslatedToNDJSON() async throws {
        try await withProxy { proxy in
            let response = try await proxy.send(
                .post, "/api/chat",
                json: #"{"model":"tiny","messages":[{"role":"user","content":"Say hello"}],"options":{"num_predict":6,"temperature":0}}"#)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/x-ndjson")
            let lines = try response.lines
            let expected = try Fixtures.text("ollama/chat-stream.ndjson").split(separator: "\n")
            #expect(lines.count == expected.count)
            let contents = lines.dropLast().map { ($0["message"] as? [String: Any])?["content"] as? String ?? "" }
            #expect(contents == Array(repeating: " is", count: 6))
            let final = try #require(lines.last)
            #expect(final["done"] as? Bool == true)
            #expect(final["done_reason"] as? String == "length")
            #expect(final["eval_count"] as? Int == 6)
            #expect(final["prompt_eval_count"] as? Int == 65)
            #expect(final["eval_duration"] as? Int == 1_329_000)  // llama.cpp's predicted_ms
            #expect((final["total_duration"] as? Int ?? 0) > 0)
            #expect(lines.allSatisfy { $0["model"] as? String == "tiny" })

            let sent = try #require(proxy.log.chats.first?.json)
            #expect(sent["model"] as? String == "tiny")
            #expect(sent["stream"] as? Bool == true)
            #expect((sent["stream_options"] as? [String: Any])?["include_usage"] as? Bool == true)
            #expect(sent["max_tokens"] as? Int == 6)
            #expect(sent["temperature"] as? Double == 0)
        }
    }

    @Test func nonStreamingChatIsOneObject() async throws {
        try await withProxy { proxy in
            let response = try await proxy.send(
                .post, "/api/chat", json: #"{"model":"tiny:latest","stream":false,"messages":[{"role":"user","content":"hi"}]}"#)
            let reply = try response.json
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(reply["model"] as? String == "tiny:latest")  // echoed as sent
            #expect((reply["message"] as? [String: Any])?["content"] as? String == " is is is is is is")
            #expect(reply["done"] as? Bool == true)
            #expect(reply["done_reason"] as? String == "length")
            #expect(reply["eval_count"] as? Int == 6)
            #expect(proxy.log.chats.first?.json?["model"] as? String == "tiny")  // normalised upstream
            #expect(proxy.log.chats.first?.json?["stream"] as? Bool == false)
        }
    }

    @Test func generateStreamsResponseText() async throws {
        try await withProxy { proxy in
            let lines = try await proxy.send(.post, "/api/generate", json: #"{"model":"tiny","prompt":"Why?","system":"Be brief."}"#).lines
            #expect(lines.dropLast().map { $0["response"] as? String ?? "" }.joined() == " is is is is is is")
            #expect(lines.last?["done"] as? Bool == true)
            let messages = try #require(proxy.log.chats.first?.json?["messages"] as? [[String: Any]])
            #expect(messages.map { $0["role"] as? String } == ["system", "user"])
        }
    }

    @Test func anEmptyPromptLoadsAndKeepAliveZeroUnloads() async throws {
        try await withProxy { proxy in
            let load = try await proxy.send(.post, "/api/generate", json: #"{"model":"tiny"}"#).json
            #expect(load["done_reason"] as? String == "load")
            var ps = try await proxy.send(.get, "/api/ps").json
            #expect((ps["models"] as? [[String: Any]])?.count == 1)
            let unload = try await proxy.send(.post, "/api/chat", json: #"{"model":"tiny","messages":[],"keep_alive":0}"#).json
            #expect(unload["done_reason"] as? String == "unload")
            ps = try await proxy.send(.get, "/api/ps").json
            #expect((ps["models"] as? [[String: Any]])?.isEmpty == true)
            #expect(proxy.log.chats.isEmpty, "nothing to generate, nothing sent upstream")
        }
    }

    @Test func psListsRecentlyUsedModelsWithTheirExpiry() async throws {
        try await withProxy { proxy in
            #expect((try await proxy.send(.get, "/api/ps").json["models"] as? [Any])?.isEmpty == true)
            try await proxy.send(
                .post, "/api/chat", json: #"{"model":"tiny","stream":false,"keep_alive":"1h","messages":[{"role":"user","content":"hi"}]}"#)
            let models = try #require(try await proxy.send(.get, "/api/ps").json["models"] as? [[String: Any]])
            let model = try #require(models.first)
            #expect(model["name"] as? String == "tiny:latest")
            #expect(model["context_length"] as? Int == 2048)
            #expect(model["size_vram"] as? Int == 564_992)
            #expect(model["details"] is [String: Any])
            let expires = try #require(model["expires_at"] as? String)
            let date = try #require(ISO8601DateFormatter.withFractions.date(from: expires))
            #expect(abs(date.timeIntervalSinceNow - 3600) < 60)
        }
    }

    @Test func embedAndLegacyEmbeddings() async throws {
        try await withProxy { proxy in
            let embed = try await proxy.send(.post, "/api/embed", json: #"{"model":"tiny","input":["hello world","switchyard"]}"#).json
            let vectors = try #require(embed["embeddings"] as? [[Double]])
            #expect(vectors.count == 2)
            #expect(vectors.allSatisfy { abs($0.reduce(0) { $0 + $1 * $1 } - 1) < 1e-6 })
            #expect(embed["model"] as? String == "tiny")
            let legacy = try await proxy.send(.post, "/api/embeddings", json: #"{"model":"tiny","prompt":"hello world"}"#).json
            #expect((legacy["embedding"] as? [Double])?.count == 64)
            let sent = proxy.log.entries.filter { $0.path == "/v1/embeddings" }.compactMap(\.json)
            #expect(sent.first?["input"] as? [String] == ["hello world", "switchyard"])
            #expect(sent.last?["input"] as? [String] == ["hello world"])
        }
    }

    @Test func modelManagementExplainsItselfInOllamasShape() async throws {
        try await withProxy { proxy in
            // `/api/copy`, `/api/create` and `/api/delete` make and remove Switchyard's own models
            // (LocalModelTests).
            for (method, path) in [(HTTPRequest.Method.post, "/api/pull"), (.post, "/api/push")] {
                let response = try await proxy.send(method, path, json: #"{"model":"tiny"}"#)
                #expect(response.status == .notImplemented, "\(path)")
                let message = try #require(try response.json["error"] as? String)
                #expect(message.contains("\(path) is not supported"))
                #expect(message.contains("upstream"))
            }
        }
    }

    @Test func untranslatableFieldsAreNamedInAHeader() async throws {
        try await withProxy { proxy in
            let response = try await proxy.send(
                .post, "/api/chat", json: #"{"model":"tiny","stream":false,"options":{"num_ctx":8192},"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(response.status == .ok)
            #expect(response.headers[HTTPField.Name("X-Switchyard-Untranslated")!] == "options.num_ctx")
        }
    }
}

extension ISO8601DateFormatter {
    static var withFractions: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
