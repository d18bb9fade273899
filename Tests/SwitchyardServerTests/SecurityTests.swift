import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing

@testable import SwitchyardServer

@Suite struct InboundAuthTests {
    static func withAuth(_ test: @Sendable (Proxy) async throws -> Void) async throws {
        try await withProxy(
            configure: {
                $0.auth.bearerTokens = ["s3cret-token"]
                $0.auth.basicCredentials = ["alice:wonder land"]
                $0.auth.apiKeys = ["key-123"]
            }, test)
    }

    static let basicAlice = "Basic " + Data("alice:wonder land".utf8).base64EncodedString()

    @Test func everySchemeIsAccepted() async throws {
        try await Self.withAuth { proxy in
            let apiKey = HTTPField.Name("X-API-Key")!
            var accepted: [HTTPFields] = []
            accepted.append([.authorization: "Bearer s3cret-token"])
            accepted.append([.authorization: "bearer s3cret-token"])
            accepted.append([.authorization: Self.basicAlice])
            accepted.append([apiKey: "key-123"])
            accepted.append([.authorization: "Bearer key-123"])  // what the OpenAI SDK does with api_key=
            for headers in accepted {
                let ollama = try await proxy.send(.get, "/api/tags", headers: headers)
                let openAI = try await proxy.send(.get, "/v1/models", headers: headers)
                #expect(ollama.status == .ok, "\(headers)")
                #expect(openAI.status == .ok, "\(headers)")
            }
        }
    }

    @Test func wrongOrMissingCredentialsAre401InTheCallersDialect() async throws {
        try await Self.withAuth { proxy in
            let apiKey = HTTPField.Name("X-API-Key")!
            let wrongBasic = "Basic " + Data("alice:wrong".utf8).base64EncodedString()
            var refused: [HTTPFields] = [[:]]
            for value in ["Bearer wrong", "Bearer s3cret-toke", "Bearer s3cret-token-and-more", wrongBasic, "Basic !!!"] {
                refused.append([.authorization: value])
            }
            refused.append([apiKey: "key-12"])
            refused.append([apiKey: "s3cret-token"])
            for headers in refused {
                let ollama = try await proxy.send(.post, "/api/chat", json: #"{"model":"tiny","messages":[]}"#, headers: headers)
                #expect(ollama.status == .unauthorized, "\(headers)")
                #expect(try ollama.json["error"] as? String == "unauthorized: missing or invalid credentials")
                #expect(ollama.headers[values: .wwwAuthenticate].contains(#"Bearer realm="switchyard""#))
                #expect(ollama.headers[values: .wwwAuthenticate].contains { $0.hasPrefix("Basic ") })
                let openAI = try await proxy.send(.get, "/v1/models", headers: headers)
                #expect(openAI.status == .unauthorized)
                #expect(try (openAI.json["error"] as? [String: Any])?["type"] as? String == "authentication_error")
            }
            #expect(proxy.log.entries.isEmpty, "nothing reached the upstream")
        }
    }

    @Test func theRootStaysOpenForHealthProbesUnlessProtected() async throws {
        try await Self.withAuth { (proxy: Proxy) async throws in
            #expect(try await proxy.send(.get, "/").status == .ok)
            #expect(try await proxy.send(.head, "/").status == .ok)
        }
        try await withProxy(configure: {
            $0.auth.bearerTokens = ["t"]
            $0.auth.protectRoot = true
        }) { (proxy: Proxy) async throws in
            #expect(try await proxy.send(.get, "/").status == .unauthorized)
            #expect(try await proxy.send(.get, "/", headers: [.authorization: "Bearer t"]).status == .ok)
        }
    }

    @Test func switchyardsCredentialsNeverReachTheUpstream() async throws {
        try await Self.withAuth { proxy in
            let headers: HTTPFields = [.authorization: "Bearer s3cret-token", HTTPField.Name("X-API-Key")!: "key-123"]
            try await proxy.send(.post, "/v1/chat/completions", json: #"{"model":"tiny","messages":[]}"#, headers: headers)
            try await proxy.send(
                .post, "/api/chat", json: #"{"model":"tiny","stream":false,"messages":[{"role":"user","content":"hi"}]}"#, headers: headers)
            #expect(proxy.log.chats.count == 2)
            #expect(proxy.log.entries.allSatisfy { $0.headers[.authorization] == nil && $0.headers[HTTPField.Name("X-API-Key")!] == nil })
        }
    }

    @Test func withoutInboundAuthAClientsKeyReachesTheUpstreamOnEveryRoute() async throws {
        try await withProxy { proxy in
            let headers: HTTPFields = [.authorization: "Bearer hosted-key"]
            try await proxy.send(.post, "/v1/chat/completions", json: #"{"model":"tiny","messages":[]}"#, headers: headers)
            try await proxy.send(
                .post, "/api/chat", json: #"{"model":"tiny","stream":false,"messages":[{"role":"user","content":"hi"}]}"#, headers: headers)
            #expect(proxy.log.chats.map { $0.headers[.authorization] } == ["Bearer hosted-key", "Bearer hosted-key"])
        }
    }

    @Test func comparisonIsExactWhateverTheLengths() {
        typealias Auth = InboundAuthMiddleware<SwitchyardRequestContext>
        #expect(Auth.constantTimeEquals(Array("abc".utf8), Array("abc".utf8)))
        #expect(!Auth.constantTimeEquals(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!Auth.constantTimeEquals(Array("abc".utf8), Array("abd".utf8)))
        #expect(!Auth.constantTimeEquals([], Array("a".utf8)))
        #expect(Auth.matches(Array("b".utf8), any: [Array("a".utf8), Array("b".utf8)]))
    }
}

@Suite struct CORSTests {
    @Test func anAllowedOriginIsAnsweredAndMarked() async throws {
        try await withProxy { proxy in
            for origin in ["http://localhost:3000", "https://127.0.0.1", "vscode-webview://abc123", "app://obsidian.md", "tauri://localhost"] {
                let response = try await proxy.send(.get, "/api/version", headers: [.origin: origin])
                #expect(response.status == .ok, "\(origin)")
                #expect(response.headers[.accessControlAllowOrigin] == origin)
                #expect(response.headers[.vary] == "Origin")
            }
        }
    }

    @Test func aBrowserPreflightIsAnswered() async throws {
        try await withProxy { proxy in
            let response = try await proxy.send(
                .options, "/v1/chat/completions",
                headers: [
                    .origin: "http://localhost:5173", .accessControlRequestMethod: "POST",
                    .accessControlRequestHeaders: "authorization, content-type, x-stainless-os",
                ])
            #expect(response.status == .noContent)
            #expect(response.headers[.accessControlAllowOrigin] == "http://localhost:5173")
            #expect(response.headers[.accessControlAllowMethods]?.contains("POST") == true)
            let allowed = response.headers[.accessControlAllowHeaders]?.lowercased() ?? ""
            #expect(["authorization", "content-type", "x-stainless-os"].allSatisfy(allowed.contains))
            #expect(response.headers[.accessControlMaxAge] == "43200")
        }
    }

    @Test func aForeignOriginIsRefused() async throws {
        try await withProxy { proxy in
            for origin in ["https://evil.example", "http://localhost.evil.example", "chrome-extension://abcdef"] {
                let response = try await proxy.send(.post, "/api/chat", json: #"{"model":"tiny","messages":[]}"#, headers: [.origin: origin])
                #expect(response.status == .forbidden, "\(origin)")
                #expect(response.body.readableBytes == 0)
            }
            #expect(proxy.log.entries.isEmpty)
        }
    }

    @Test func extraOriginsAndBrowserExtensionsByConfiguration() async throws {
        try await withProxy(configure: { $0.cors = CORSPolicy(extraOrigins: ["chrome-extension://*", "https://chat.example.com"]) }) { proxy in
            for (origin, status) in [("chrome-extension://abcdef", 200), ("https://chat.example.com", 200), ("https://other.example.com", 403)] {
                let response = try await proxy.send(.get, "/api/version", headers: [.origin: origin])
                #expect(response.status.code == status, "\(origin)")
            }
        }
        try await withProxy(configure: { $0.cors = CORSPolicy(extraOrigins: ["*"]) }) { proxy in
            let response = try await proxy.send(.get, "/api/version", headers: [.origin: "https://anything.example"])
            #expect(response.headers[.accessControlAllowOrigin] == "*")
        }
    }

    @Test func aRefusedCredentialStillCarriesCORSHeadersSoTheBrowserCanReadIt() async throws {
        try await withProxy(configure: { $0.auth.bearerTokens = ["t"] }) { proxy in
            let response = try await proxy.send(.get, "/api/tags", headers: [.origin: "http://localhost:3000"])
            #expect(response.status == .unauthorized)
            #expect(response.headers[.accessControlAllowOrigin] == "http://localhost:3000")
        }
    }
}

@Suite struct HostCheckTests {
    /// A raw client, to send any `Host`.
    func status(_ proxy: Proxy, host: String) async throws -> Int {
        var request = HTTPClientRequest(url: proxy.url + "/api/version")
        request.headers.replaceOrAdd(name: "Host", value: host)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 16)
        return Int(response.status.code)
    }

    @Test func aRebindingHostIsRefusedOnLoopback() async throws {
        try await withProxy { proxy in
            #expect(try await status(proxy, host: "evil.example:\(proxy.port)") == 403)
            #expect(try await status(proxy, host: "attacker.com") == 403)
            for host in [
                "localhost:\(proxy.port)", "127.0.0.1", "[::1]:11434", "ollama.local", "box.internal", "app.localhost", "192.168.1.20", "10.0.0.5:80",
            ] {
                let code = try await status(proxy, host: host)
                #expect(code == 200, "\(host)")
            }
        }
    }

    /// The shortcut for plain loopback names must not let look-alikes through.
    @Test(arguments: ["127.0.0.1.evil.example", "localhost.evil.example", "localhostx", "127.0.0.1:80.evil.example", "localhost:", "127.0.0.1:8a"])
    func loopbackLookAlikesTakeTheFullCheck(host: String) {
        #expect(!HostPolicy.isPlainLoopback(host))
    }

    @Test(arguments: ["127.0.0.1.evil.example", "localhost.evil.example", "localhostx"])
    func loopbackLookAlikeNamesAreRefused(host: String) {
        #expect(!HostPolicy().allows(host: host))
    }

    @Test(arguments: ["127.0.0.1", "127.0.0.1:11434", "localhost", "localhost:8080"])
    func plainLoopbackNames(host: String) {
        #expect(HostPolicy.isPlainLoopback(host))
        #expect(HostPolicy().allows(host: host))
    }

    @Test func extraHostsAndSwitchingItOff() async throws {
        try await withProxy(configure: { $0.hostCheck = HostPolicy(extraHosts: ["switchyard.example.com"]) }) { proxy in
            let allowed = try await status(proxy, host: "switchyard.example.com")
            let refused = try await status(proxy, host: "evil.example")
            #expect(allowed == 200)
            #expect(refused == 403)
        }
        try await withProxy(configure: { $0.hostCheck = nil }) { proxy in
            let unchecked = try await status(proxy, host: "evil.example")
            #expect(unchecked == 200)
        }
    }

    @Test func onByDefaultOnlyForLoopbackListeners() throws {
        #expect(try SwitchyardConfiguration.resolve(ConfigurationInputs(), environment: [:]).hostCheck != nil)
        #expect(try SwitchyardConfiguration.resolve(ConfigurationInputs(), environment: ["SWITCHYARD_LISTEN": "0.0.0.0:11434"]).hostCheck == nil)
        var inputs = ConfigurationInputs()
        inputs.hostCheck = false
        #expect(try SwitchyardConfiguration.resolve(inputs, environment: [:]).hostCheck == nil)
    }

    @Test func securitySettingsFromTheEnvironment() throws {
        let configuration = try SwitchyardConfiguration.resolve(
            ConfigurationInputs(),
            environment: [
                "SWITCHYARD_AUTH_TOKENS": "a, b", "SWITCHYARD_AUTH_BASIC": "u:p", "SWITCHYARD_AUTH_API_KEYS": "k",
                "SWITCHYARD_AUTH_API_KEY_HEADER": "X-Team-Key", "OLLAMA_ORIGINS": "https://x.example,chrome-extension://*",
            ])
        #expect(configuration.auth.bearerTokens == ["a", "b"])
        #expect(configuration.auth.basicCredentials == ["u:p"])
        #expect(configuration.auth.apiKeys == ["k"])
        #expect(configuration.auth.apiKeyHeader == "X-Team-Key")
        #expect(configuration.cors.allows("chrome-extension://abc"))
        #expect(configuration.cors.allows("https://x.example"))
        #expect(!configuration.cors.allows("https://y.example"))
        #expect(throws: ConfigurationError.self) {
            try SwitchyardConfiguration.resolve(ConfigurationInputs(), environment: ["SWITCHYARD_AUTH_BASIC": "no-colon"])
        }
    }
}
