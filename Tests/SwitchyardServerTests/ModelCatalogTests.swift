import Foundation
import HTTPTypes
import SwitchyardCore
import SwitchyardFixtures
import Testing

@testable import SwitchyardServer

@Suite struct ModelCatalogTests {
    func describe(props: String?) throws -> UpstreamModelInfo {
        let list = try JSONDecoder().decode(OpenAIModelList.self, from: Data(try Fixtures.bytes("llama-server/models.json")))
        let decoded = try props.map { try JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        return ModelCatalog.describe(try #require(list.data.first), props: decoded)
    }

    @Test func recordedLlamaServerFacts() throws {
        let props = try Fixtures.text("llama-server/props.json")
        let model = try describe(props: props)
        #expect(model.capabilities == ["completion"])  // the tiny model's template has no tools
        #expect(model.contextLength == 2048)
        #expect(model.parameterCount == 141_248)
        #expect(model.sizeBytes == 564_992)
        #expect(model.embeddingLength == 64)
    }

    @Test func recordedToolAndThinkingModelsTellTheirCapabilities() throws {
        let tools = try describe(props: try Fixtures.text("llama-server/tools-props.json"))
        #expect(tools.capabilities == ["completion", "tools"])
        #expect(tools.capabilitiesKnown && tools.acceptsTemplateKwargs)
        let think = try describe(props: try Fixtures.text("llama-server/think-props.json"))
        #expect(think.capabilities == ["completion", "thinking"])
        // Known capabilities refuse what the model lacks, as Ollama does; assumed ones never do.
        #expect(think.refusal(tools: true, images: false, requestedName: "t")?.message == #""t" does not support tools"#)
        #expect(tools.refusal(tools: true, images: false, requestedName: "t") == nil)
        #expect(try describe(props: nil).refusal(tools: true, images: true, requestedName: "t") == nil)
    }

    @Test func capabilitiesComeFromWhatTheUpstreamReports() throws {
        let props =
            #"{"default_generation_settings":{"n_ctx":8192},"chat_template_caps":{"supports_tools":true},"modalities":{"vision":true},"chat_template":"{{'<think>'}}"}"#
        let model = try describe(props: props)
        #expect(model.capabilities == ["completion", "tools", "vision", "thinking"])
        #expect(model.contextLength == 8192, "the served context wins over the trained one")
    }

    @Test func withoutPropsTheModelListAlone() throws {
        let model = try describe(props: nil)
        #expect(model.capabilities == ["completion"])
        #expect(model.contextLength == 2048)
    }
}

@Suite struct CapabilityOverrideTests {
    @Test func configuredCapabilitiesWinOverTheUpstreams() async throws {
        try await withProxy(configure: { $0.capabilityOverrides = ["tiny:latest": ["completion", "tools", "vision"]] }) { proxy in
            let show = try await proxy.send(.post, "/api/show", json: #"{"model":"tiny"}"#).json
            #expect(show["capabilities"] as? [String] == ["completion", "tools", "vision"])
            let tags = try await proxy.send(.get, "/api/tags").json
            #expect((tags["models"] as? [[String: Any]])?.first?["capabilities"] as? [String] == ["completion", "tools", "vision"])
        }
    }

    @Test func theSettingIsParsedAndChecked() throws {
        var inputs = ConfigurationInputs()
        inputs.modelCapabilities = ["Tiny=completion, Tools", "qwen3:8b=completion,thinking"]
        let overrides = try SwitchyardConfiguration.resolve(inputs, environment: [:]).capabilityOverrides
        #expect(overrides == ["tiny:latest": ["completion", "tools"], "qwen3:8b": ["completion", "thinking"]])
        let fromEnvironment = try SwitchyardConfiguration.resolve(
            ConfigurationInputs(), environment: ["SWITCHYARD_MODEL_CAPABILITIES": "a=tools;b=embedding"]
        ).capabilityOverrides
        #expect(fromEnvironment == ["a:latest": ["tools"], "b:latest": ["embedding"]])
        for bad in ["tiny", "tiny=", "=tools", "tiny=teleport"] {
            var inputs = ConfigurationInputs()
            inputs.modelCapabilities = [bad]
            #expect(throws: ConfigurationError.self, "\(bad)") { try SwitchyardConfiguration.resolve(inputs, environment: [:]) }
        }
    }
}
