/// The chunks that make up nearly every OpenAI stream — text or reasoning deltas, a finish
/// reason, usage and llama.cpp timings — read by `JSONScanner`, several times cheaper than
/// JSONDecoder, which dominated the cost of translating a chunk.
///
/// It reads exactly what `OpenAICompletion`'s `Decodable` conformance reads and skips the rest.
/// Anything outside that common shape (tool calls, logprobs, reasoning details, errors) makes it
/// give up and return nil, and the caller decodes with JSONDecoder.
extension OpenAICompletion: ScannableReply {
    public static func scan(_ json: UnsafeBufferPointer<UInt8>) -> OpenAICompletion? {
        JSONScanner.read(json) { scanner throws(JSONScanner.GiveUp) in try scanner.completion() }
    }
}

extension JSONScanner {
    fileprivate mutating func completion() throws(GiveUp) -> OpenAICompletion {
        var completion = OpenAICompletion()
        try object { reader, key throws(GiveUp) in
            switch key {
            case "choices":
                var choices: [OpenAIChoice] = []
                try reader.array { reader throws(GiveUp) in choices.append(try reader.choice()) }
                completion.choices = choices
            case "usage":
                guard !reader.null() else { return }
                var usage = OpenAIUsage()
                try reader.object { reader, key throws(GiveUp) in
                    switch key {
                    case "prompt_tokens": usage.promptTokens = try reader.optionalInt()
                    case "completion_tokens": usage.completionTokens = try reader.optionalInt()
                    default: try reader.skipValue()
                    }
                }
                completion.usage = usage
            case "timings":
                guard !reader.null() else { return }
                var timings = LlamaTimings()
                try reader.object { reader, key throws(GiveUp) in
                    switch key {
                    case "prompt_n": timings.promptN = try reader.optionalInt()
                    case "prompt_ms": timings.promptMS = try reader.optionalDouble()
                    case "predicted_n": timings.predictedN = try reader.optionalInt()
                    case "predicted_ms": timings.predictedMS = try reader.optionalDouble()
                    default: try reader.skipValue()
                    }
                }
                completion.timings = timings
            case "error": throw GiveUp()
            default: try reader.skipValue()
            }
        }
        return completion
    }

    fileprivate mutating func choice() throws(GiveUp) -> OpenAIChoice {
        var choice = OpenAIChoice()
        try object { reader, key throws(GiveUp) in
            switch key {
            case "index": choice.index = try reader.optionalInt()
            case "delta": choice.delta = try reader.messageText()
            case "message": choice.message = try reader.messageText()
            case "text": choice.text = try reader.optionalString()
            case "finish_reason": choice.finishReason = try reader.optionalString()
            case "logprobs": guard reader.null() else { throw GiveUp() }
            default: try reader.skipValue()
            }
        }
        return choice
    }

    fileprivate mutating func messageText() throws(GiveUp) -> OpenAIMessageText? {
        guard !null() else { return nil }
        var text = OpenAIMessageText()
        try object { reader, key throws(GiveUp) in
            switch key {
            case "content": text.content = try reader.optionalString()
            case "reasoning_content": text.reasoningContent = try reader.optionalString()
            case "reasoning": text.reasoning = try reader.optionalString()
            case "tool_calls", "reasoning_details": guard reader.null() else { throw GiveUp() }
            default: try reader.skipValue()
            }
        }
        return text
    }
}
