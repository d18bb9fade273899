/// A command line split into words as a POSIX shell splits it, without running a shell: blanks
/// separate words; single quotes keep everything up to the next one; double quotes keep
/// everything but `\"`, `\\`, `\$` and `` \` ``; a backslash outside quotes keeps the next
/// character. Nothing is expanded: no variables, globs, pipes or redirections — a `$` or `|`
/// is a character like any other (`${PORT}` is replaced afterwards, word by word).
public enum ShellWords {
    public struct SplitError: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Works on Unicode scalars, not characters: a quote followed by a combining mark is still
    /// a quote, as it is to a shell.
    public static func split(_ line: String) throws(SplitError) -> [String] {
        var words: [String] = []
        var word = String.UnicodeScalarView()
        var inWord = false
        var iterator = line.unicodeScalars.makeIterator()
        while let character = iterator.next() {
            switch character {
            case " ", "\t", "\n", "\r":
                if inWord { words.append(String(word)) }
                word = String.UnicodeScalarView()
                inWord = false
            case "'":
                inWord = true
                while true {
                    guard let next = iterator.next() else { throw SplitError(description: "a single quote is not closed") }
                    if next == "'" { break }
                    word.append(next)
                }
            case "\"":
                inWord = true
                while true {
                    guard let next = iterator.next() else { throw SplitError(description: "a double quote is not closed") }
                    if next == "\"" { break }
                    if next == "\\" {
                        guard let escaped = iterator.next() else { throw SplitError(description: "a double quote is not closed") }
                        if !"\"\\$`".unicodeScalars.contains(escaped) { word.append("\\") }
                        if escaped != "\n" { word.append(escaped) }
                        continue
                    }
                    word.append(next)
                }
            case "\\":
                guard let escaped = iterator.next() else { throw SplitError(description: "the line ends with a backslash") }
                if escaped != "\n" {
                    word.append(escaped)
                    inWord = true
                }
            default:
                word.append(character)
                inWord = true
            }
        }
        if inWord { words.append(String(word)) }
        return words
    }
}
