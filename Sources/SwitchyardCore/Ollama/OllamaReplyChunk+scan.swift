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
        try object { scanner, key throws(GiveUp) in
            switch key {
            case "message":
                guard !scanner.null() else { return }
                var message = OllamaReplyChunk.Message()
                try scanner.object { scanner, key throws(GiveUp) in
                    switch key {
                    case "content": message.content = try scanner.optionalString()
                    case "thinking": message.thinking = try scanner.optionalString()
                    case "tool_calls": guard scanner.null() else { throw GiveUp() }
                    default: try scanner.skipValue()
                    }
                }
                chunk.message = message
            case "response": chunk.response = try scanner.optionalString()
            case "thinking": chunk.thinking = try scanner.optionalString()
            case "done": chunk.done = try scanner.optionalBool()
            case "done_reason": chunk.doneReason = try scanner.optionalString()
            case "prompt_eval_count": chunk.promptEvalCount = try scanner.optionalInt()
            case "eval_count": chunk.evalCount = try scanner.optionalInt()
            case "created_at": chunk.createdAt = try scanner.optionalString()
            case "error": throw GiveUp()
            default: try scanner.skipValue()
            }
        }
        return chunk
    }
}
