import SwitchyardServer
import Testing

@Suite struct ConfigurationTests {
    func resolve(_ environment: [String: String] = [:], _ edit: (inout ConfigurationInputs) -> Void = { _ in }) throws -> SwitchyardConfiguration {
        var inputs = ConfigurationInputs()
        edit(&inputs)
        return try SwitchyardConfiguration.resolve(inputs, environment: environment)
    }

    @Test func defaultsMatchTheDocumentedContract() throws {
        let configuration = try resolve()
        #expect(configuration.listen == ListenAddress(host: "127.0.0.1", port: 11434))
        #expect(configuration.upstream.root == "http://127.0.0.1:8080")
        #expect(configuration.upstreamDialect == .openAI)
        #expect(configuration.upstreamAPIKey == nil)
    }

    @Test func timeoutsAreBoundedSoNoneCanOverflowNanoseconds() throws {
        #expect(try resolve().drainTimeout == .seconds(30))
        #expect(try resolve().idleTimeout == .seconds(60))
        #expect(try resolve { $0.drainTimeoutSeconds = 0 }.drainTimeout == .zero)
        #expect(try resolve { $0.idleTimeoutSeconds = 5 }.idleTimeout == .seconds(5))
        #expect(throws: ConfigurationError.self) { try resolve { $0.upstreamTimeoutSeconds = 99_999_999_999 } }
        #expect(throws: ConfigurationError.self) { try resolve { $0.drainTimeoutSeconds = -1 } }
        #expect(throws: ConfigurationError.self) { try resolve { $0.idleTimeoutSeconds = 0 } }
        #expect(throws: ConfigurationError.self) { try resolve { $0.connectTimeoutSeconds = 0 } }
    }

    @Test func credentialsInTheUpstreamURLNeverReachItsText() throws {
        let url = try UpstreamURL("http://alice:s3cr%40t@llm.internal:8080/v1")
        #expect(url.root == "http://llm.internal:8080")
        #expect("\(url)" == "http://llm.internal:8080")
        do {
            _ = try UpstreamURL("ftp://alice:s3cret@llm.internal")
            Issue.record("an ftp URL was accepted")
        } catch {
            #expect(!error.description.contains("s3cret"))
        }
    }

    @Test func environmentSetsAndFlagsWin() throws {
        let environment = [
            "SWITCHYARD_LISTEN": "0.0.0.0:9000", "SWITCHYARD_UPSTREAM": "http://10.0.0.1:8000/v1",
            "SWITCHYARD_UPSTREAM_API_KEY": "sk-1", "SWITCHYARD_UPSTREAM_DIALECT": "auto",
        ]
        let fromEnvironment = try resolve(environment)
        #expect(fromEnvironment.listen == ListenAddress(host: "0.0.0.0", port: 9000))
        #expect(fromEnvironment.upstream.root == "http://10.0.0.1:8000")
        #expect(fromEnvironment.upstreamAPIKey == "sk-1")
        #expect(fromEnvironment.upstreamDialect == .auto)
        let fromFlags = try resolve(environment) {
            $0.listen = "127.0.0.1:7000"
            $0.upstream = "http://127.0.0.1:1234"
            $0.upstreamDialect = "ollama"
        }
        #expect(fromFlags.listen.port == 7000)
        #expect(fromFlags.upstream.root == "http://127.0.0.1:1234")
        #expect(fromFlags.upstreamDialect == .ollama)
    }

    @Test func ollamaHostSetsTheListenAddressWhenSwitchyardsIsUnset() throws {
        #expect(try resolve(["OLLAMA_HOST": "0.0.0.0"]).listen == ListenAddress(host: "0.0.0.0", port: 11434))
        #expect(try resolve(["OLLAMA_HOST": "http://127.0.0.1:11500"]).listen.port == 11500)
        #expect(try resolve(["OLLAMA_HOST": ":8081"]).listen == ListenAddress(host: "127.0.0.1", port: 8081))
        #expect(try resolve(["OLLAMA_HOST": "0.0.0.0", "SWITCHYARD_LISTEN": "127.0.0.1:1"]).listen.port == 1)
    }

    @Test func listenAddressForms() throws {
        #expect(try ListenAddress(parsing: "[::1]:8080") == ListenAddress(host: "::1", port: 8080))
        #expect(try ListenAddress(parsing: "localhost") == ListenAddress(host: "localhost", port: 11434))
        #expect(throws: ConfigurationError.self) { try ListenAddress(parsing: "host:99999") }
        #expect(throws: ConfigurationError.self) { try ListenAddress(parsing: "host:port") }
    }

    @Test func upstreamURLWithOrWithoutV1() throws {
        for text in ["http://127.0.0.1:8080", "http://127.0.0.1:8080/", "http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1/"] {
            #expect(try UpstreamURL(text).url("/v1/models") == "http://127.0.0.1:8080/v1/models")
        }
        #expect(try UpstreamURL("https://api.example.com/openai/v1").url("/v1/models") == "https://api.example.com/openai/v1/models")
        #expect(throws: ConfigurationError.self) { try UpstreamURL("127.0.0.1:8080") }
    }

    @Test func badSettingsAreRejectedWithAReason() throws {
        #expect(throws: ConfigurationError.self) { try resolve { $0.upstreamDialect = "grpc" } }
        #expect(throws: ConfigurationError.self) { try resolve { $0.ollamaVersion = "0.5.0" } }
        #expect(throws: ConfigurationError.self) { try resolve { $0.ollamaVersion = "latest" } }
        #expect(throws: ConfigurationError.self) { try resolve { $0.upstreamTimeoutSeconds = 0 } }
        #expect(try resolve { $0.ollamaVersion = "0.13.0-rc1" }.ollamaVersion == "0.13.0-rc1")
    }
}
