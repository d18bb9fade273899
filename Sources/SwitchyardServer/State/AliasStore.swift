import SwitchyardCore
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The model names `/api/copy` made: each alias stands for a model of an upstream, by the name
/// that reaches it (`model` or `upstream/model`). Kept in `aliases.json` in the state directory,
/// rewritten whole and atomically on every change; a file that cannot be read is reported at
/// start-up, never replaced.
final class AliasStore: Sendable {
    private let file: String?
    private let aliases: Mutex<[String: String]>

    /// Keyed as clients name models: lower case, with a tag.
    static func key(_ name: String) -> String { ModelName.withTag(name).lowercased() }

    /// An in-memory store, for tests and when no state directory is usable.
    init() {
        file = nil
        aliases = Mutex([:])
    }

    init(directory: String) throws(ConfigurationError) {
        let path = directory + "/aliases.json"
        file = path
        guard FileManager.default.fileExists(atPath: path) else {
            aliases = Mutex([:])
            return
        }
        guard let data = FileManager.default.contents(atPath: path),
            let stored = try? JSONDecoder().decode(Stored.self, from: data)
        else {
            throw ConfigurationError("the state file \(path) is not readable as Switchyard's aliases; fix it or move it away (nothing was changed)")
        }
        aliases = Mutex(Dictionary(stored.aliases.map { (Self.key($0.key), $0.value) }, uniquingKeysWith: { first, _ in first }))
    }

    private struct Stored: Codable {
        var aliases: [String: String]
    }

    var isEmpty: Bool { aliases.withLock { $0.isEmpty } }

    /// What an alias stands for, if `name` is one.
    func target(of name: String) -> String? { aliases.withLock { $0[Self.key(name)] } }

    /// Every alias with its target, by alias name.
    var all: [(alias: String, target: String)] { aliases.withLock { $0.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } } }

    /// More than any person names by hand; a client cannot grow the file and the lists without bound.
    static let limit = 1000

    func set(_ alias: String, to target: String) throws(RequestError) {
        var full = false
        try update { aliases in
            guard aliases[Self.key(alias)] != nil || aliases.count < Self.limit else {
                full = true
                return
            }
            aliases[Self.key(alias)] = target
        }
        if full { throw RequestError(.badRequest, "there are \(Self.limit) aliases already; delete some first") }
    }

    /// Whether `alias` was one.
    func remove(_ alias: String) throws(RequestError) -> Bool {
        var removed = false
        try update { removed = $0.removeValue(forKey: Self.key(alias)) != nil }
        return removed
    }

    private func update(_ change: (inout [String: String]) -> Void) throws(RequestError) {
        let result: Result<Void, RequestError> = aliases.withLock { aliases in
            var next = aliases
            change(&next)
            if let file {
                do {
                    let directory = String(file[..<(file.lastIndex(of: "/") ?? file.endIndex)])
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                    let data = try JSONEncoder().encode(Stored(aliases: next))
                    try data.write(to: URL(fileURLWithPath: file), options: .atomic)
                } catch {
                    return .failure(RequestError(.upstream(status: 500), "could not save the aliases to \(file): \(error)"))
                }
            }
            aliases = next
            return .success(())
        }
        try result.get()
    }
}
