/// Shell-style globs over model names (`*` any run, `?` any one character), case-insensitive:
/// which of an upstream's models a configuration exposes.
public enum ModelGlob {
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        let pattern = Array(pattern.lowercased().unicodeScalars)
        let name = Array(name.lowercased().unicodeScalars)
        // Iterative, with one backtrack point: linear in practice, never recursive.
        var (p, n) = (0, 0)
        var star: (pattern: Int, name: Int)?
        while n < name.count {
            // `*` first: a name may hold a `*` itself, which the star must not take as a literal.
            if p < pattern.count, pattern[p] == "*" {
                star = (p, n)
                p += 1
            } else if p < pattern.count, pattern[p] == "?" || pattern[p] == name[n] {
                p += 1
                n += 1
            } else if let last = star {
                p = last.pattern + 1
                n = last.name + 1
                star = (last.pattern, last.name + 1)
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
