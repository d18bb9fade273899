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
        var seen = SeenKeys()
        try object { reader, key throws(GiveUp) in
            switch key {
            case "choices":
                try seen.first(0)
                var choices: [OpenAIChoice] = []
                try reader.array { reader throws(GiveUp) in choices.append(try reader.choice()) }
                completion.choices = choices
            case "usage":
                try seen.first(1)
                guard !reader.null() else { return }
                var usage = OpenAIUsage()
                var seen = SeenKeys()
                try reader.object { reader, key throws(GiveUp) in
                    switch key {
                    case "prompt_tokens":
                        try seen.first(0)
                        usage.promptTokens = try reader.optionalInt()
                    case "completion_tokens":
                        try seen.first(1)
                        usage.completionTokens = try reader.optionalInt()
                    default: try reader.skipValue()
                    }
                }
                completion.usage = usage
            case "timings":
                try seen.first(2)
                guard !reader.null() else { return }
                var timings = LlamaTimings()
                var seen = SeenKeys()
                try reader.object { reader, key throws(GiveUp) in
                    switch key {
                    case "prompt_n":
                        try seen.first(0)
                        timings.promptN = try reader.optionalInt()
                    case "prompt_ms":
                        try seen.first(1)
                        timings.promptMS = try reader.optionalDouble()
                    case "predicted_n":
                        try seen.first(2)
                        timings.predictedN = try reader.optionalInt()
                    case "predicted_ms":
                        try seen.first(3)
                        timings.predictedMS = try reader.optionalDouble()
                    default: try reader.skipValue()
                    }
                }
                completion.timings = timings
            case "error":
                try seen.first(4)
                throw GiveUp()
            default: try reader.skipValue()
            }
        }
        return completion
    }

    fileprivate mutating func choice() throws(GiveUp) -> OpenAIChoice {
        var choice = OpenAIChoice()
        var seen = SeenKeys()
        try object { reader, key throws(GiveUp) in
            switch key {
            case "index":
                try seen.first(0)
                choice.index = try reader.optionalInt()
            case "delta":
                try seen.first(1)
                choice.delta = try reader.messageText()
            case "message":
                try seen.first(2)
                choice.message = try reader.messageText()
            case "text":
                try seen.first(3)
                choice.text = try reader.optionalString()
            case "finish_reason":
                try seen.first(4)
                choice.finishReason = try reader.optionalString()
            case "logprobs":
                try seen.first(5)
                guard reader.null() else { throw GiveUp() }
            default: try reader.skipValue()
            }
        }
        return choice
    }

    fileprivate mutating func messageText() throws(GiveUp) -> OpenAIMessageText? {
        guard !null() else { return nil }
        var text = OpenAIMessageText()
        var seen = SeenKeys()
        try object { reader, key throws(GiveUp) in
            switch key {
            case "content":
                try seen.first(0)
                text.content = try reader.optionalString()
            case "reasoning_content":
                try seen.first(1)
                text.reasoningContent = try reader.optionalString()
            case "reasoning":
                try seen.first(2)
                text.reasoning = try reader.optionalString()
            case "tool_calls", "reasoning_details":
                try seen.first(3)
                guard reader.null() else { throw GiveUp() }
            default: try reader.skipValue()
            }
        }
        return text
    }
}
