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

    /// Fields are read in place rather than through a copy of the delta: this runs per chunk, and
    /// copying these structs (several optional strings and arrays each) was a measurable share.
    mutating func absorb(_ choice: borrowing OpenAIChoice) -> Part {
        let isDelta = choice.delta != nil
        if let calls = isDelta ? choice.delta?.toolCalls : choice.message?.toolCalls { toolCalls.add(calls) }
        let content = (isDelta ? choice.delta?.content : choice.message?.content) ?? choice.text ?? ""
        let reasoning = (isDelta ? choice.delta?.thinking : choice.message?.thinking) ?? ""
        let split = splitter.feed(content)
        var part = Part(content: split.content, thinking: split.thinking.isEmpty ? reasoning : reasoning + split.thinking)
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
