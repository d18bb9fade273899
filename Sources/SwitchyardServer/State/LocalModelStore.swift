import SwitchyardCore
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A model name Switchyard made: an alias (`/api/copy`) or a derived model (`/api/create`).
/// Either stands for an upstream's model by the name that reaches it (`upstream/model`), never
/// for another local model, so it keeps meaning the same model when lists change.
struct LocalModel: Sendable, Equatable, Codable {
    var from: String
    var system: String?
    var template: String?
    var parameters: [String: JSONValue]?
    var messages: [JSONValue]?
    /// Unix seconds; `modified_at` in the lists.
    var modifiedAt: Int64?

    init(from: String, derived: DerivedModel = DerivedModel(), modifiedAt: Int64 = Timestamp.now().unixNanoseconds / 1_000_000_000) {
        self.from = from
        system = derived.system
        template = derived.template
        parameters = derived.parameters.isEmpty ? nil : derived.parameters
        messages = derived.messages.isEmpty ? nil : derived.messages
        self.modifiedAt = modifiedAt
    }

    var derived: DerivedModel {
        DerivedModel(system: system, template: template, parameters: parameters ?? [:], messages: messages ?? [])
    }

    /// Whether it is more than another name: `/api/show` then tells what it adds.
    var isDerived: Bool { system != nil || template != nil || parameters != nil || messages != nil }
}

/// The local models, kept in `models.json` in the state directory, rewritten whole and
/// atomically on every change; a file that cannot be read is reported at start-up, never
/// replaced.
final class LocalModelStore: Sendable {
    private let file: String?
    private let models: Mutex<[String: LocalModel]>

    /// Keyed as clients name models: lower case, with a tag.
    static func key(_ name: String) -> String { ModelName.withTag(name).lowercased() }

    /// An in-memory store, for tests and when no state directory is usable.
    init() {
        file = nil
        models = Mutex([:])
    }

    init(directory: String) throws(ConfigurationError) {
        let path = directory + "/models.json"
        file = path
        guard FileManager.default.fileExists(atPath: path) else {
            models = Mutex(try Self.earlierAliases(in: directory))
            return
        }
        guard let data = FileManager.default.contents(atPath: path),
            let stored = try? JSONDecoder().decode(Stored.self, from: data)
        else {
            throw ConfigurationError(
                "the state file \(path) is not readable as Switchyard's models; fix it or move it away (nothing was changed)")
        }
        models = Mutex(Dictionary(stored.models.map { (Self.key($0.key), $0.value) }, uniquingKeysWith: { first, _ in first }))
    }

    private struct Stored: Codable {
        var models: [String: LocalModel]
    }

    /// The aliases an earlier build kept in `aliases.json` (`{"aliases": {name: target}}`),
    /// taken over; `models.json` replaces that file from the first change on.
    private static func earlierAliases(in directory: String) throws(ConfigurationError) -> [String: LocalModel] {
        struct Earlier: Codable { var aliases: [String: String] }
        let path = directory + "/aliases.json"
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        guard let earlier = try? JSONDecoder().decode(Earlier.self, from: data) else {
            throw ConfigurationError("the state file \(path) is not readable as Switchyard's aliases; fix it or move it away (nothing was changed)")
        }
        return Dictionary(earlier.aliases.map { (key($0.key), LocalModel(from: $0.value)) }, uniquingKeysWith: { first, _ in first })
    }

    var isEmpty: Bool { models.withLock { $0.isEmpty } }

    /// The local model of that name, if there is one.
    func model(named name: String) -> LocalModel? { models.withLock { $0[Self.key(name)] } }

    /// Every local model, by name.
    var all: [(name: String, model: LocalModel)] { models.withLock { $0.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } } }

    /// More than any person names by hand; a client cannot grow the file and the lists without bound.
    static let limit = 1000

    /// Makes or replaces `name`.
    func set(_ name: String, to model: LocalModel) throws(RequestError) {
        var full = false
        try update { models in
            guard models[Self.key(name)] != nil || models.count < Self.limit else {
                full = true
                return
            }
            models[Self.key(name)] = model
        }
        if full { throw RequestError(.badRequest, "there are \(Self.limit) models made here already; delete some first") }
    }

    /// Whether `name` was one.
    func remove(_ name: String) throws(RequestError) -> Bool {
        var removed = false
        try update { removed = $0.removeValue(forKey: Self.key(name)) != nil }
        return removed
    }

    private func update(_ change: (inout [String: LocalModel]) -> Void) throws(RequestError) {
        let result: Result<Void, RequestError> = models.withLock { models in
            var next = models
            change(&next)
            if let file {
                do {
                    let directory = String(file[..<(file.lastIndex(of: "/") ?? file.endIndex)])
                    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                    try encoder.encode(Stored(models: next)).write(to: URL(fileURLWithPath: file), options: .atomic)
                } catch {
                    return .failure(RequestError(.upstream(status: 500), "could not save the models to \(file): \(error)"))
                }
            }
            models = next
            return .success(())
        }
        try result.get()
    }
}
