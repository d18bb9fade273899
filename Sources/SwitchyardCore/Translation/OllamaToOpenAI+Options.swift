extension OllamaToOpenAI {
    /// Sampling options with the same meaning on both sides. The OpenAI names are used where
    /// OpenAI has the parameter; the rest are llama.cpp/vLLM/LM Studio extensions under the
    /// same name as Ollama's.
    static let numericOptions: [String] = [
        "temperature", "top_p", "presence_penalty", "frequency_penalty",
        "top_k", "min_p", "typical_p", "repeat_penalty", "repeat_last_n",
    ]

    /// Options that configure how Ollama loads a model, not how it samples: an upstream fixes
    /// these when it starts, so a request cannot change them.
    static let loadTimeOptions: Set<String> = [
        "num_ctx", "num_keep", "num_batch", "num_gpu", "main_gpu", "use_mmap", "use_mlock",
        "num_thread", "numa", "low_vram", "vocab_only", "f16_kv", "logits_all",
    ]

    static func translateOptions(
        _ options: [String: JSONValue], into body: inout [String: JSONValue], notes: inout [UntranslatedField]
    ) throws(RequestError) {
        for (key, value) in options.sorted(by: { $0.key < $1.key }) {
            if value == .null { continue }
            switch key {
            case "num_predict":
                guard let limit = value.intValue else { throw optionTypeError(key, "integer") }
                // -1 means no limit and -2 fill the context: both are the upstream's default.
                if limit > 0 { body["max_tokens"] = .int(limit) }
            case "seed":
                guard let seed = value.intValue else { throw optionTypeError(key, "integer") }
                if seed >= 0 { body["seed"] = .int(seed) }  // Ollama's -1 means "random"
            case "stop":
                switch value {
                case .string(let stop): body["stop"] = .array([.string(stop)])
                case .array(let items) where items.allSatisfy({ $0.stringValue != nil }): body["stop"] = value
                default: throw optionTypeError(key, "array")
                }
            case _ where numericOptions.contains(key):
                guard value.doubleValue != nil else { throw optionTypeError(key, "number") }
                body[key] = value
            case _ where loadTimeOptions.contains(key):
                notes.append(UntranslatedField("options.\(key)", "load-time option; set it on the upstream server"))
            default:
                notes.append(UntranslatedField("options.\(key)", "no OpenAI equivalent"))
            }
        }
    }

    private static func optionTypeError(_ key: String, _ type: String) -> RequestError {
        RequestError(.badRequest, "option \"\(key)\" must be of type \(type)")
    }
}
