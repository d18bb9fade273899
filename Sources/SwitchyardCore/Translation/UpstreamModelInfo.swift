/// What Switchyard knows about one upstream model, gathered from whatever the upstream
/// reveals (`/v1/models` and its llama.cpp `meta`, llama.cpp's `/props`). Every Ollama model
/// description is derived from this, so `/api/tags`, `/api/show` and `/api/ps` agree.
public struct UpstreamModelInfo: Sendable, Equatable {
    public var id: String
    /// Unix seconds, when the upstream says.
    public var created: Int64?
    /// The context the upstream actually serves with, else the one the model was trained for.
    public var contextLength: Int?
    public var parameterCount: Int64?
    public var sizeBytes: Int64?
    public var embeddingLength: Int?
    public var architecture: String?
    public var capabilities: [String]
    /// Whether `capabilities` were reported (llama.cpp's `/props`) or configured, rather than
    /// assumed: only then may a request be refused for lacking one, as Ollama does.
    public var capabilitiesKnown: Bool
    /// The upstream reads `chat_template_kwargs` (llama.cpp).
    public var acceptsTemplateKwargs: Bool
    /// `owned_by` in the upstream's `/v1/models`.
    public var ownedBy: String?

    public init(
        id: String, created: Int64? = nil, contextLength: Int? = nil, parameterCount: Int64? = nil, sizeBytes: Int64? = nil,
        embeddingLength: Int? = nil, architecture: String? = nil, capabilities: [String] = ["completion"],
        capabilitiesKnown: Bool = false, acceptsTemplateKwargs: Bool = false, ownedBy: String? = nil
    ) {
        self.id = id
        self.created = created
        self.contextLength = contextLength
        self.parameterCount = parameterCount
        self.sizeBytes = sizeBytes
        self.embeddingLength = embeddingLength
        self.architecture = architecture
        self.capabilities = capabilities
        self.capabilitiesKnown = capabilitiesKnown
        self.acceptsTemplateKwargs = acceptsTemplateKwargs
        self.ownedBy = ownedBy
    }

    /// The model as one entry of OpenAI's `/v1/models` (and the answer to `/v1/models/{id}`).
    public var openAIModelObject: [UInt8] {
        var object = JSONObjectWriter(capacity: 128)
        object.field("id", id)
        object.field("object", "model")
        object.field("created", created.flatMap(Self.unixSeconds) ?? 0)
        object.field("owned_by", ownedBy ?? "switchyard")
        return object.finished()
    }

    /// Ollama's refusal of a request that needs what the model cannot do: tools or images
    /// (`"<model>" does not support tools`). Nothing is refused on capabilities merely assumed.
    public func refusal(tools: Bool, images: Bool, requestedName: String) -> RequestError? {
        guard capabilitiesKnown else { return nil }
        if tools, !capabilities.contains("tools") { return RequestError(.badRequest, "\"\(requestedName)\" does not support tools") }
        if images, !capabilities.contains("vision") { return RequestError(.badRequest, "\"\(requestedName)\" does not support images") }
        return nil
    }

    /// The name Ollama clients see: the upstream id with a tag.
    public var ollamaName: String { ModelName.withTag(id) }

    /// Stable across restarts and upstreams: a hash of the name, 64 hex digits as Ollama prints.
    public var digest: String { SHA256.hexDigest(id) }

    /// The architecture key clients look up `<arch>.context_length` under. When the upstream
    /// does not say, it is guessed from well-known family names in the id, else "llama" (the
    /// GGUF architecture most servers run and the one clients know).
    public var family: String {
        if let architecture, !architecture.isEmpty { return architecture }
        let lower = id.lowercased()
        let known = [
            "qwen3", "qwen2", "qwen", "gemma3", "gemma2", "gemma", "mistral", "mixtral", "phi3", "phi", "deepseek2", "gpt-oss", "granite", "falcon",
            "command-r", "starcoder2", "llama",
        ]
        return known.first(where: lower.contains) ?? "llama"
    }

    public var details: OllamaModelDetails {
        OllamaModelDetails(
            family: family, families: [family], parameterSize: parameterCount.map(Self.humanCount) ?? "unknown",
            quantizationLevel: "unknown", contextLength: contextLength, embeddingLength: embeddingLength)
    }

    func modifiedAt(fallbackUnixSeconds: Int64) -> String {
        let seconds = created.flatMap(Self.unixSeconds) ?? fallbackUnixSeconds
        return Timestamp.rfc3339(unixNanoseconds: seconds.multipliedSaturated(by: 1_000_000_000))
    }

    /// `created` as Unix seconds. Servers differ: some send milliseconds (or finer), and a
    /// broken one anything at all. Past the year 5000 in seconds it must be a finer unit, so it
    /// is scaled down by thousands; a negative value is no date.
    static func unixSeconds(_ created: Int64) -> Int64? {
        guard created >= 0 else { return nil }
        var seconds = created
        while seconds > 100_000_000_000 { seconds /= 1000 }
        return seconds
    }

    public func tagsEntry(fallbackUnixSeconds: Int64) -> OllamaTagsEntry {
        OllamaTagsEntry(
            name: ollamaName, model: ollamaName, modifiedAt: modifiedAt(fallbackUnixSeconds: fallbackUnixSeconds),
            size: sizeBytes ?? 0, digest: digest, details: details, capabilities: capabilities)
    }

    /// `/api/show`. `requestedName` is echoed where Copilot displays it (`general.basename`).
    public func show(requestedName: String, fallbackUnixSeconds: Int64) -> OllamaShowResponse {
        var info: [String: JSONValue] = [
            "general.architecture": .string(family),
            "general.basename": .string(requestedName),
        ]
        if let contextLength { info["\(family).context_length"] = .int(Int64(contextLength)) }
        if let embeddingLength { info["\(family).embedding_length"] = .int(Int64(embeddingLength)) }
        if let parameterCount { info["general.parameter_count"] = .int(parameterCount) }
        var parameters = ""
        if let contextLength { parameters = "num_ctx" + String(repeating: " ", count: 24) + "\(contextLength)" }
        return OllamaShowResponse(
            modelfile: "# Served by an OpenAI-compatible upstream through Switchyard\nFROM \(id)\n",
            parameters: parameters, details: details, modelInfo: info, capabilities: capabilities,
            modifiedAt: modifiedAt(fallbackUnixSeconds: fallbackUnixSeconds))
    }

    public func running(expiresAt: String) -> OllamaRunningModel {
        OllamaRunningModel(
            name: ollamaName, model: ollamaName, size: sizeBytes ?? 0, digest: digest, details: details,
            expiresAt: expiresAt, sizeVRAM: sizeBytes ?? 0, contextLength: contextLength ?? 0)
    }

    /// Ollama's style: `8.0B`, `137M`, `2.1M`, `950K`.
    static func humanCount(_ count: Int64) -> String {
        func scaled(_ divisor: Double, _ suffix: String) -> String {
            let value = Double(count) / divisor
            if value >= 100 { return "\(Int64(value.rounded()))\(suffix)" }
            let tenths = Int64((value * 10).rounded())
            return "\(tenths / 10).\(tenths % 10)\(suffix)"
        }
        switch count {
        case 1_000_000_000...: return scaled(1e9, "B")
        case 1_000_000...: return scaled(1e6, "M")
        case 1_000...: return scaled(1e3, "K")
        default: return "\(count)"
        }
    }
}
