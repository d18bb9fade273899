/// Ollama's naming rule on the Ollama surface: a name without a tag means `:latest`, and names
/// match case-insensitively. `llama3` ≡ `llama3:latest` ≡ `LLama3:Latest`.
public enum ModelName {
    /// The name with its tag, as `/api/tags` lists it. The tag is the part after the last `:`
    /// that comes after the last `/` (so `host:5000/ns/model` has no tag).
    public static func withTag(_ name: String) -> String {
        hasTag(name) ? name : name + ":latest"
    }

    public static func hasTag(_ name: String) -> Bool {
        guard let colon = name.lastIndex(of: ":") else { return false }
        if let slash = name.lastIndex(of: "/"), slash > colon { return false }
        return true
    }

    /// Whether a client's name refers to an upstream model id.
    public static func matches(clientName: String, upstreamID: String) -> Bool {
        withTag(clientName).lowercased() == withTag(upstreamID).lowercased()
    }

    /// The upstream id a client name refers to, among the ids the upstream lists.
    public static func resolve(_ clientName: String, among upstreamIDs: [String]) -> String? {
        upstreamIDs.first { $0 == clientName } ?? upstreamIDs.first { matches(clientName: clientName, upstreamID: $0) }
    }
}
