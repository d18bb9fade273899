/// Response objects of the Ollama surface, encoded in Ollama's key order. Optional fields are
/// left out when nil, as Go's `omitempty` does; fields strict clients require are never optional.

/// Timing and token figures of a finished generation (all durations in nanoseconds).
public struct OllamaMetrics: Sendable, Equatable {
    public var totalDuration: Int64?
    public var loadDuration: Int64?
    public var promptEvalCount: Int?
    public var promptEvalDuration: Int64?
    public var evalCount: Int?
    public var evalDuration: Int64?

    public init(
        totalDuration: Int64? = nil, loadDuration: Int64? = nil, promptEvalCount: Int? = nil,
        promptEvalDuration: Int64? = nil, evalCount: Int? = nil, evalDuration: Int64? = nil
    ) {
        self.totalDuration = totalDuration
        self.loadDuration = loadDuration
        self.promptEvalCount = promptEvalCount
        self.promptEvalDuration = promptEvalDuration
        self.evalCount = evalCount
        self.evalDuration = evalDuration
    }
}

/// `details` of `/api/tags`, `/api/show` and `/api/ps`: every key always present, because
/// strict decoders (Enchanted, Swift clients) reject a missing one.
public struct OllamaModelDetails: Sendable, Equatable, Encodable {
    public var parentModel = ""
    public var format = "gguf"
    public var family: String
    public var families: [String]
    public var parameterSize: String
    public var quantizationLevel: String
    public var contextLength: Int?
    public var embeddingLength: Int?

    enum CodingKeys: String, CodingKey {
        case parentModel = "parent_model"
        case format, family, families
        case parameterSize = "parameter_size"
        case quantizationLevel = "quantization_level"
        case contextLength = "context_length"
        case embeddingLength = "embedding_length"
    }
}

public struct OllamaTagsEntry: Sendable, Equatable, Encodable {
    public var name: String
    public var model: String
    public var modifiedAt: String
    public var size: Int64
    public var digest: String
    public var details: OllamaModelDetails
    public var capabilities: [String]

    enum CodingKeys: String, CodingKey {
        case name, model
        case modifiedAt = "modified_at"
        case size, digest, details, capabilities
    }
}

public struct OllamaTagsResponse: Sendable, Equatable, Encodable {
    public var models: [OllamaTagsEntry]
    public init(models: [OllamaTagsEntry]) { self.models = models }
}

public struct OllamaShowResponse: Sendable, Equatable, Encodable {
    public var license = ""
    public var modelfile: String
    public var parameters: String
    public var template = ""
    /// A derived model's (`/api/create`); left out otherwise, as Ollama does.
    public var system: String?
    public var messages: [JSONValue]?
    public var details: OllamaModelDetails
    public var modelInfo: [String: JSONValue]
    public var capabilities: [String]
    public var modifiedAt: String

    enum CodingKeys: String, CodingKey {
        case license, modelfile, parameters, template, system, messages, details
        case modelInfo = "model_info"
        case capabilities
        case modifiedAt = "modified_at"
    }
}

public struct OllamaRunningModel: Sendable, Equatable, Encodable {
    public var name: String
    public var model: String
    public var size: Int64
    public var digest: String
    public var details: OllamaModelDetails
    public var expiresAt: String
    public var sizeVRAM: Int64
    public var contextLength: Int

    enum CodingKeys: String, CodingKey {
        case name, model, size, digest, details
        case expiresAt = "expires_at"
        case sizeVRAM = "size_vram"
        case contextLength = "context_length"
    }
}

public struct OllamaPSResponse: Sendable, Equatable, Encodable {
    public var models: [OllamaRunningModel]
    public init(models: [OllamaRunningModel]) { self.models = models }
}

public struct OllamaEmbedResponse: Sendable, Equatable, Encodable {
    public var model: String
    public var embeddings: [[Double]]
    public var totalDuration: Int64?
    public var promptEvalCount: Int?

    public init(model: String, embeddings: [[Double]], totalDuration: Int64? = nil, promptEvalCount: Int? = nil) {
        self.model = model
        self.embeddings = embeddings
        self.totalDuration = totalDuration
        self.promptEvalCount = promptEvalCount
    }

    enum CodingKeys: String, CodingKey {
        case model, embeddings
        case totalDuration = "total_duration"
        case promptEvalCount = "prompt_eval_count"
    }
}

public struct OllamaEmbeddingsResponse: Sendable, Equatable, Encodable {
    public var embedding: [Double]
    public init(embedding: [Double]) { self.embedding = embedding }
}
