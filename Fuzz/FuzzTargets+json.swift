#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension FuzzTargets {
    /// The scanner never crashes, and where it answers, JSONDecoder agrees.
    static func jsonScanner(_ input: [UInt8]) {
        let decoder = JSONDecoder()
        input.withUnsafeBufferPointer { bytes in
            if let scanned = OpenAICompletion.scan(bytes) {
                let decoded = try? decoder.decode(OpenAICompletion.self, from: Data(input))
                require(decoded == scanned, "scanner and JSONDecoder disagree on a completion")
            }
            if let scanned = OllamaReplyChunk.scan(bytes) {
                let decoded = try? decoder.decode(OllamaReplyChunk.self, from: Data(input))
                require(decoded == scanned, "scanner and JSONDecoder disagree on an Ollama chunk")
            }
            // What the pass-through check falls back to: a body whose other fields are valid
            // JSON syntax but hold, say, a number no Double can carry, still names its model.
            if let model = JSONScanner.topLevelString("model", in: bytes) {
                struct Envelope: Decodable { var model: String }
                let decoded = try? decoder.decode(Envelope.self, from: Data(input))
                require(decoded?.model == model, "scanner and JSONDecoder disagree on the model")
            }
            // Where a proxy renames the model: exactly the string literal, and putting another
            // there leaves a body that names the other.
            if let range = JSONScanner.topLevelStringRange("model", in: bytes) {
                let literal = Array(input[range])
                let value = try? decoder.decode(String.self, from: Data(literal))
                require(value != nil && value == JSONScanner.topLevelString("model", in: bytes), "the model's range is not its literal")
                let renamed = Array(input[..<range.lowerBound]) + Array(#""renamed""#.utf8) + Array(input[range.upperBound...])
                let named = renamed.withUnsafeBufferPointer { JSONScanner.topLevelString("model", in: $0) }
                require(named == "renamed", "a body with its model's literal replaced names another model")
            }
        }
        // Globs from a configuration: any pattern against any name ends, and `*` takes all.
        let text = String(decoding: input.prefix(256), as: UTF8.self)
        let parts = text.split(separator: "\u{0}", maxSplits: 1, omittingEmptySubsequences: false)
        let (pattern, name) = (String(parts[0]), parts.count > 1 ? String(parts[1]) : text)
        _ = ModelGlob.matches(pattern, name)
        let plain = String(name.filter { $0 != "*" && $0 != "?" })
        require(ModelGlob.matches("*", name) && ModelGlob.matches(plain, plain), "a glob refused what it must take")
    }

    /// Ollama request bodies: decoded (or refused with a RequestError), translated, encoded.
    static func ollamaRequest(_ input: [UInt8]) {
        if let request = try? JSONCoding.decodeRequest(OllamaChatRequest.self, from: input),
            let translated = try? OllamaToOpenAI.chat(request, upstreamModel: "m", traits: .init(acceptsTemplateKwargs: true))
        {
            _ = JSONValue.object(translated.body).encodedBytes()
        }
        if let request = try? JSONCoding.decodeRequest(OllamaGenerateRequest.self, from: input),
            let translated = try? OllamaToOpenAI.generate(request, upstreamModel: "m")
        {
            _ = JSONValue.object(translated.body).encodedBytes()
        }
        if let request = try? JSONCoding.decodeRequest(OllamaEmbedRequest.self, from: input) {
            _ = JSONValue.object(OllamaToOpenAI.embed(request, upstreamModel: "m").body).encodedBytes()
        }
    }

    static func openAIRequest(_ input: [UInt8]) {
        if let request = try? JSONCoding.decodeRequest(OpenAIChatRequest.self, from: input),
            let translated = try? OpenAIToOllama.chat(request)
        {
            _ = JSONValue.object(translated.body).encodedBytes()
        }
        if let request = try? JSONCoding.decodeRequest(OpenAICompletionRequest.self, from: input),
            let translated = try? OpenAIToOllama.completion(request)
        {
            _ = JSONValue.object(translated.body).encodedBytes()
        }
        // Whole replies from an upstream, both ways.
        if let completion = try? JSONDecoder().decode(OpenAICompletion.self, from: Data(input)) {
            _ = try? OpenAIToOllama.reply(completion, kind: .chat, model: "m", start: fuzzTime, end: fuzzTime)
        }
        if let reply = try? JSONDecoder().decode(OllamaReplyChunk.self, from: Data(input)) {
            _ = OllamaToOpenAI.chatCompletion(reply, model: "m", id: "x", created: 1)
        }
    }

    /// Any text as a duration, and any JSON as `keep_alive`: a value or a refusal, never a trap.
    static func keepAlive(_ input: [UInt8]) {
        _ = KeepAlive(parsing: String(decoding: input, as: UTF8.self))
        struct Body: Decodable {
            var keepAlive: KeepAlive?
            enum CodingKeys: String, CodingKey { case keepAlive = "keep_alive" }
        }
        _ = try? JSONDecoder().decode(Body.self, from: Data(#"{"keep_alive":"#.utf8 + input + "}".utf8))
    }

    /// A configured command line: never a trap, and the words it gives, quoted again, split
    /// back into themselves.
    static func shellWords(_ input: [UInt8]) {
        guard let words = try? ShellWords.split(String(decoding: input, as: UTF8.self)) else { return }
        // Scalar by scalar: `replacing` works on characters, and misses a quote a combining
        // mark joins.
        let quoted = words.map { word in
            var text = String.UnicodeScalarView("'".unicodeScalars)
            for scalar in word.unicodeScalars {
                if scalar == "'" { text.append(contentsOf: #"'\''"#.unicodeScalars) } else { text.append(scalar) }
            }
            text.append("'")
            return String(text)
        }.joined(separator: " ")
        require((try? ShellWords.split(quoted)) == words, "quoting the words again does not give them back")
    }
}
