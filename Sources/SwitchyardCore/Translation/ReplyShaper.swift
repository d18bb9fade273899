/// What an OpenAI reply contributes to an Ollama one, shared by the streamed and the whole
/// translation: text with inline `<think>` reasoning split off, reasoning from whichever field
/// carried it (or none, when the client asked `think: false`), tool calls assembled until
/// complete, and logprobs in Ollama's shape.
struct ReplyShaper: Sendable {
    struct Part {
        var content = ""
        var thinking = ""
        var logprobs: [[UInt8]] = []

        var isEmpty: Bool { content.isEmpty && thinking.isEmpty && logprobs.isEmpty }

        mutating func append(_ other: Part) {
            content += other.content
            thinking += other.thinking
            logprobs += other.logprobs
        }
    }

    let showThinking: Bool
    private var splitter = ThinkTagSplitter()
    var toolCalls = ToolCallAssembler()

    init(showThinking: Bool) {
        self.showThinking = showThinking
    }

    mutating func absorb(_ choice: OpenAIChoice) -> Part {
        let text = choice.delta ?? choice.message
        if let calls = text?.toolCalls { toolCalls.add(calls) }
        let split = splitter.feed(text?.content ?? choice.text ?? "")
        var part = Part(content: split.content, thinking: (text?.thinking ?? "") + split.thinking)
        if let tokens = choice.logprobs?.content { part.logprobs = OllamaLogprobs.encode(tokens) }
        if !showThinking { part.thinking = "" }
        return part
    }

    /// Text held back while it might have been the start of a tag.
    mutating func finish() -> Part {
        let split = splitter.finish()
        return Part(content: split.content, thinking: showThinking ? split.thinking : "")
    }
}
