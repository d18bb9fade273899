import Testing

@testable import SwitchyardServer

/// `--config FILE`: the issue's example reads as written; every mistake is refused with its
/// line and the key at fault.
@Suite struct ConfigFileTests {
    static let example = """
        listen: 127.0.0.1:11434            # optional; flags and env win
        upstreams:                          # order matters: first match wins
          - name: local
            url: http://127.0.0.1:8080
            dialect: openai
            api_key_env: LOCAL_API_KEY
            models: ["*"]
          - name: lab-ollama
            url: http://10.0.0.5:11434
            dialect: ollama
        models:
          qwen2.5-coder:
            context_length: 32768
            capabilities: [completion, tools, insert]
            fallback: [lab-ollama/qwen2.5-coder:7b]
        """

    @Test func theDocumentedExampleReads() throws {
        let file = try ConfigFile.parse(Self.example, file: "switchyard.yaml")
        #expect(file.listen == ListenAddress(host: "127.0.0.1", port: 11434))
        #expect(file.upstreams.map(\.name) == ["local", "lab-ollama"])
        #expect(file.upstreams[0].url.root == "http://127.0.0.1:8080")
        #expect(file.upstreams[0].apiKeyVariable == "LOCAL_API_KEY")
        #expect(file.upstreams[1].dialect == .ollama)
        #expect(file.upstreams[1].models == ["*"], "all, when not said")
        #expect(
            file.models["qwen2.5-coder:latest"]
                == ModelOverride(contextLength: 32768, capabilities: ["completion", "tools", "insert"], fallback: ["lab-ollama/qwen2.5-coder:7b"])
        )
    }

    @Test(arguments: [
        ("upstreams:\n  - name: a\n    url: http://x\n    dialect: grpc\n", "line 4: upstreams[0].dialect: 'grpc': expected openai, ollama or auto"),
        (
            "upstreams:\n  - name: a\n    url: http://x\n  - name: a\n    url: http://y\n",
            "line 4: upstreams[1].name: 'a' names another upstream already"
        ),
        ("upstreams:\n  - name: Big\n    url: http://x\n", "line 2: upstreams[0].name: 'Big' must be lower-case letters, digits and '-'"),
        ("upstreams:\n  - name: a\n", "line 2: upstreams[0].url: required"),
        ("upstreams:\n  - name: a\n    url: ftp://x\n", "line 3: upstreams[0].url: invalid upstream URL 'ftp://x'"),
        ("upstreams:\n  - name: a\n    url: http://x\n    modles: [a]\n", "line 4: upstreams[0]: unknown key 'modles'"),
        ("listen: 127.0.0.1:8080\n", "upstreams: required"),
        ("upstreams: []\n", "line 1: upstreams: expected a list of at least one upstream"),
        (
            "upstreams:\n  - name: a\n    url: http://x\nmodels:\n  m:\n    context_length: -5\n",
            "line 6: models.m.context_length: expected a positive"
        ),
        (
            "upstreams:\n  - name: a\n    url: http://x\nmodels:\n  m:\n    capabilities: [teleport]\n",
            "line 6: models.m.capabilities: unknown teleport"
        ),
        ("upstreams:\n  - name: a\n    url: http://x\nmodels:\n  m:\n    fallback: b\n", "line 6: models.m.fallback: expected a list"),
        ("upstreams:\n  - name: a\n  url: [\n", "not YAML: line"),
    ])
    func mistakesNameTheirLine(text: String, expected: String) {
        do {
            _ = try ConfigFile.parse(text, file: "switchyard.yaml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix("switchyard.yaml"))
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }

    @Test func theFileReplacesTheSingleUpstreamFlagsAndTakesKeysFromTheEnvironment() throws {
        let file = try ConfigFile.parse(Self.example, file: "switchyard.yaml")
        var configuration = SwitchyardConfiguration()
        try configuration.apply(file, flags: ConfigurationInputs(), environment: ["LOCAL_API_KEY": "sk-local"])
        #expect(configuration.upstreamSpecs.map(\.name) == ["local", "lab-ollama"])
        #expect(configuration.upstreamSpecs[0].apiKey == "sk-local")
        #expect(configuration.upstreamSpecs[1].apiKey == nil)

        var unset = SwitchyardConfiguration()
        #expect(throws: ConfigurationError.self) { try unset.apply(file, flags: ConfigurationInputs(), environment: [:]) }
        var flags = ConfigurationInputs()
        flags.upstream = "http://127.0.0.1:9"
        var both = SwitchyardConfiguration()
        #expect(throws: ConfigurationError.self) { try both.apply(file, flags: flags, environment: ["LOCAL_API_KEY": "k"]) }
    }

    @Test func withoutAFileTheFlagsNameTheOneUpstream() throws {
        let configuration = try SwitchyardConfiguration.resolve(ConfigurationInputs(), environment: ["SWITCHYARD_UPSTREAM": "http://127.0.0.1:9000"])
        #expect(configuration.upstreamSpecs.count == 1)
        #expect(configuration.upstreamSpecs[0].url.root == "http://127.0.0.1:9000")
    }

    @Test func globsChooseTheExposedModels() {
        let spec = UpstreamSpec(name: "a", url: try! UpstreamURL("http://x"), dialect: .openAI, models: ["qwen*", "llama-?b"])
        #expect(spec.exposes("qwen2.5-coder"))
        #expect(spec.exposes("QWEN3"))
        #expect(spec.exposes("llama-8b"))
        #expect(!spec.exposes("llama-70b"))
        #expect(!spec.exposes("mistral"))
        #expect(UpstreamSpec(name: "a", url: try! UpstreamURL("http://x"), dialect: .openAI).exposes("anything"))
    }
}
