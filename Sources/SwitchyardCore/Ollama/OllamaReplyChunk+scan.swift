/// The objects that make up nearly every Ollama stream — text or thinking, then the final one
/// with its counts — read by `JSONScanner` instead of JSONDecoder. Tool calls and errors make
/// it give up (nil), and the caller decodes with JSONDecoder.
extension OllamaReplyChunk: ScannableReply {
    public static func scan(_ json: UnsafeBufferPointer<UInt8>) -> OllamaReplyChunk? {
        JSONScanner.read(json) { scanner throws(JSONScanner.GiveUp) in try scanner.ollamaReplyChunk() }
    }
}

extension JSONScanner {
    fileprivate mutating func ollamaReplyChunk() throws(GiveUp) -> OllamaReplyChunk {
        var chunk = OllamaReplyChunk()
        var seen = SeenKeys()
        try object { scanner, key throws(GiveUp) in
            switch key {
            case "message":
                try seen.first(0)
                guard !scanner.null() else { return }
                var message = OllamaReplyChunk.Message()
                var seen = SeenKeys()
                try scanner.object { scanner, key throws(GiveUp) in
                    switch key {
                    case "content":
                        try seen.first(0)
                        message.content = try scanner.optionalString()
                    case "thinking":
                        try seen.first(1)
                        message.thinking = try scanner.optionalString()
                    case "tool_calls":
                        try seen.first(2)
                        guard scanner.null() else { throw GiveUp() }
                    default: try scanner.skipValue()
                    }
                }
                chunk.message = message
            case "response":
                try seen.first(3)
                chunk.response = try scanner.optionalString()
            case "thinking":
                try seen.first(4)
                chunk.thinking = try scanner.optionalString()
            case "done":
                try seen.first(5)
                chunk.done = try scanner.optionalBool()
            case "done_reason":
                try seen.first(6)
                chunk.doneReason = try scanner.optionalString()
            case "prompt_eval_count":
                try seen.first(7)
                chunk.promptEvalCount = try scanner.optionalInt()
            case "eval_count":
                try seen.first(8)
                chunk.evalCount = try scanner.optionalInt()
            case "created_at":
                try seen.first(9)
                chunk.createdAt = try scanner.optionalString()
            case "error":
                try seen.first(10)
                throw GiveUp()
            default: try scanner.skipValue()
            }
        }
        return chunk
    }
}
