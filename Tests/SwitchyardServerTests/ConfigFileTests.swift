import SwitchyardCore
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

    static let onDemand = """
        max_loaded: 2
        keep_alive: 10m
        upstreams:
          - name: qwen
            command: "llama-server -m '/models/my qwen.gguf' --alias qwen --host 127.0.0.1 --port ${PORT} -c 8192"
            dialect: openai
            models: [qwen]
            ready_path: /health
            start_timeout: 90s
          - name: fixed
            command: llama-server -m /models/b.gguf --port 9000
            url: http://127.0.0.1:9000
            models: [b]
        """

    @Test func theOnDemandExampleReads() throws {
        let file = try ConfigFile.parse(Self.onDemand, file: "switchyard.yaml")
        #expect(file.maxLoaded == 2)
        #expect(file.keepAlive == .duration(nanoseconds: 600_000_000_000))
        let command = try #require(file.upstreams[0].command)
        #expect(
            command.words == [
                "llama-server", "-m", "/models/my qwen.gguf", "--alias", "qwen", "--host", "127.0.0.1", "--port", "${PORT}", "-c", "8192",
            ])
        #expect(command.arguments(port: 4242)[8] == "4242")
        #expect(try command.url(port: 4242).root == "http://127.0.0.1:4242")
        #expect(command.startTimeout == .seconds(90))
        #expect(command.readyPath == "/health")
        #expect(file.upstreams[0].models == ["qwen"])
        let fixed = try #require(file.upstreams[1].command)
        #expect(!fixed.portInURL, "a fixed url keeps its port")
        #expect(file.upstreams[1].url.root == "http://127.0.0.1:9000")
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
        ("upstreams:\n  - name: a\n    command: run ${PORT}\n", "line 2: upstreams[0].models: required with a command"),
        (
            "upstreams:\n  - name: a\n    command: run\n    models: [\"q*\"]\n",
            "line 2: upstreams[0].models: 'q*': with a command, the names it serves"
        ),
        ("upstreams:\n  - name: a\n    command: \"run 'x\"\n    models: [q]\n", "line 3: upstreams[0].command: a single quote is not closed"),
        (
            "upstreams:\n  - name: a\n    command: run\n    models: [q]\n    dialect: auto\n",
            "upstreams[0].dialect: with a command, say openai or ollama"
        ),
        ("upstreams:\n  - name: a\n    url: http://x:${PORT}\n", "upstreams[0].url: ${PORT} is for an upstream Switchyard starts"),
        ("upstreams:\n  - name: a\n    url: http://x\n    start_timeout: 5s\n", "upstreams[0].start_timeout: only for an upstream with a command"),
        (
            "upstreams:\n  - name: a\n    command: run\n    models: [q]\n    start_timeout: soon\n",
            "line 5: upstreams[0].start_timeout: expected a duration"
        ),
        ("max_loaded: 0\nupstreams:\n  - name: a\n    url: http://x\n", "line 1: max_loaded: expected a whole number of at least 1"),
        ("keep_alive: later\nupstreams:\n  - name: a\n    url: http://x\n", "line 1: keep_alive: expected a duration"),
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
