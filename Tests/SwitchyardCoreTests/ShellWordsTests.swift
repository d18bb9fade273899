import SwitchyardCore
import Testing

/// A configured command is split as a shell would split it, and nothing more.
@Suite struct ShellWordsTests {
    @Test(arguments: [
        ("llama-server -m /models/qwen.gguf --port ${PORT}", ["llama-server", "-m", "/models/qwen.gguf", "--port", "${PORT}"]),
        ("  a\t b\n", ["a", "b"]),
        ("run -m '/my models/q.gguf' --alias \"big one\"", ["run", "-m", "/my models/q.gguf", "--alias", "big one"]),
        (#"a "x\"y" 'it''s' b\ c"#, ["a", #"x"y"#, "its", "b c"]),
        (#""\n stays" '\n too'"#, [#"\n stays"#, #"\n too"#]),
        (#"empty "" '' words"#, ["empty", "", "", "words"]),
        ("no | pipes > here $HOME", ["no", "|", "pipes", ">", "here", "$HOME"]),
        ("joined\"quoted\"'parts'", ["joinedquotedparts"]),
        ("", []),
        // Found by the fuzz target: a quote or a blank that a combining mark or \n joins into
        // one Character is still a quote or a blank.
        ("a\r\nb '\u{301}x'", ["a", "b", "\u{301}x"]),
    ])
    func splitsLikeAShell(line: String, words: [String]) throws {
        #expect(try ShellWords.split(line) == words)
    }

    @Test(arguments: ["a 'b", "a \"b", "a \\", "\"x\\"])
    func anUnfinishedQuoteIsRefused(line: String) {
        #expect(throws: ShellWords.SplitError.self) { try ShellWords.split(line) }
    }
}
