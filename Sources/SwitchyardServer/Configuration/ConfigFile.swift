import SwitchyardCore
import Yams

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `--config FILE`: several upstreams behind one port, and per-model overrides. Read from YAML
/// node by node rather than decoded, so every refusal names the line and the key at fault.
struct ConfigFile: Sendable, Equatable {
    struct Upstream: Sendable, Equatable {
        var name: String
        var url: UpstreamURL
        var dialect: UpstreamDialectSetting
        /// The environment variable holding the upstream's Bearer key.
        var apiKeyVariable: String?
        /// Globs over the upstream's model ids: which of them to expose.
        var models: [String]
    }

    var listen: ListenAddress?
    var upstreams: [Upstream]
    /// Keyed by the exposed model name, lower-cased.
    var models: [String: ModelOverride]

    static func read(_ path: String) throws(ConfigurationError) -> ConfigFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError("cannot read the config file \(path): no such readable file")
        }
        return try parse(text, file: path)
    }

    static func parse(_ text: String, file: String) throws(ConfigurationError) -> ConfigFile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigurationError("\(file): not YAML: \(Self.describe(error))")
        } catch {
            throw ConfigurationError("\(file): not YAML: \(error)")
        }
        guard let root else { throw ConfigurationError("\(file): empty; it needs at least `upstreams:`") }
        var reader = Reader(file: file)
        return try reader.configuration(root)
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            "line \(mark.line): \(problem)" + (context.map { " \($0.text)" } ?? "")
        default: "\(error)"
        }
    }

    /// Walks the document; `path` names where it is, for the messages.
    private struct Reader {
        let file: String

        func fail(_ node: Node, _ path: String, _ reason: String) -> ConfigurationError {
            ConfigurationError("\(file) line \(node.mark?.line ?? 0): \(path): \(reason)")
        }

        func mapping(_ node: Node, _ path: String, keys allowed: Set<String>) throws(ConfigurationError) -> [(String, Node, Node)] {
            guard case .mapping(let mapping) = node else { throw fail(node, path, "expected a mapping of keys to values") }
            var seen: Set<String> = []
            var pairs: [(String, Node, Node)] = []
            for (key, value) in mapping {
                guard let name = key.string else { throw fail(key, path, "keys must be text") }
                guard allowed.isEmpty || allowed.contains(name) else {
                    throw fail(key, path, "unknown key '\(name)'; expected one of \(allowed.sorted().joined(separator: ", "))")
                }
                guard seen.insert(name).inserted else { throw fail(key, path, "'\(name)' is given twice") }
                pairs.append((name, key, value))
            }
            return pairs
        }

        func string(_ node: Node, _ path: String) throws(ConfigurationError) -> String {
            guard case .scalar(let scalar) = node else { throw fail(node, path, "expected text") }
            return scalar.string
        }

        func strings(_ node: Node, _ path: String) throws(ConfigurationError) -> [String] {
            guard case .sequence(let sequence) = node else { throw fail(node, path, "expected a list, e.g. [a, b]") }
            var values: [String] = []
            for (index, item) in sequence.enumerated() { values.append(try string(item, "\(path)[\(index)]")) }
            return values
        }

        mutating func configuration(_ root: Node) throws(ConfigurationError) -> ConfigFile {
            var listen: ListenAddress?
            var upstreams: [Upstream]?
            var models: [String: ModelOverride] = [:]
            for (key, _, value) in try mapping(root, "the file", keys: ["listen", "upstreams", "models"]) {
                switch key {
                case "listen":
                    do {
                        listen = try ListenAddress(parsing: try string(value, key))
                    } catch {
                        throw fail(value, key, error.description)
                    }
                case "upstreams": upstreams = try self.upstreams(value)
                default: models = try self.models(value)
                }
            }
            guard let upstreams else { throw fail(root, "upstreams", "required: the list of servers to route to") }
            return ConfigFile(listen: listen, upstreams: upstreams, models: models)
        }

        func upstreams(_ node: Node) throws(ConfigurationError) -> [Upstream] {
            guard case .sequence(let sequence) = node, !sequence.isEmpty else {
                throw fail(node, "upstreams", "expected a list of at least one upstream")
            }
            var names: Set<String> = []
            var result: [Upstream] = []
            for (index, item) in sequence.enumerated() {
                let path = "upstreams[\(index)]"
                var name: String?
                var url: UpstreamURL?
                var dialect = UpstreamDialectSetting.openAI
                var apiKeyVariable: String?
                var models = ["*"]
                for (key, _, value) in try mapping(item, path, keys: ["name", "url", "dialect", "api_key_env", "models"]) {
                    let here = "\(path).\(key)"
                    switch key {
                    case "name":
                        let text = try string(value, here)
                        guard Self.isName(text) else { throw fail(value, here, "'\(text)' must be lower-case letters, digits and '-'") }
                        guard names.insert(text).inserted else { throw fail(value, here, "'\(text)' names another upstream already") }
                        name = text
                    case "url":
                        do {
                            url = try UpstreamURL(try string(value, here))
                        } catch {
                            throw fail(value, here, error.description)
                        }
                    case "dialect":
                        let text = try string(value, here)
                        guard let setting = UpstreamDialectSetting(rawValue: text.lowercased()) else {
                            throw fail(value, here, "'\(text)': expected openai, ollama or auto")
                        }
                        dialect = setting
                    case "api_key_env": apiKeyVariable = try string(value, here)
                    default:
                        models = try strings(value, here)
                        guard !models.isEmpty else { throw fail(value, here, "an empty list exposes nothing; leave it out for all") }
                    }
                }
                guard let name else { throw fail(item, "\(path).name", "required") }
                guard let url else { throw fail(item, "\(path).url", "required") }
                result.append(Upstream(name: name, url: url, dialect: dialect, apiKeyVariable: apiKeyVariable, models: models))
            }
            return result
        }

        func models(_ node: Node) throws(ConfigurationError) -> [String: ModelOverride] {
            var result: [String: ModelOverride] = [:]
            for (name, _, value) in try mapping(node, "models", keys: []) {
                let path = "models.\(name)"
                var override = ModelOverride()
                for (key, _, field) in try mapping(value, path, keys: ["context_length", "capabilities", "family", "fallback"]) {
                    let here = "\(path).\(key)"
                    switch key {
                    case "context_length":
                        guard let length = Int(try string(field, here)), length > 0 else {
                            throw fail(field, here, "expected a positive whole number")
                        }
                        override.contextLength = length
                    case "capabilities":
                        let capabilities = try strings(field, here).map { $0.lowercased() }
                        let unknown = capabilities.filter { !SwitchyardConfiguration.knownCapabilities.contains($0) }
                        guard unknown.isEmpty else {
                            throw fail(
                                field, here,
                                "unknown \(unknown.joined(separator: ", ")); known: \(SwitchyardConfiguration.knownCapabilities.sorted().joined(separator: ", "))"
                            )
                        }
                        override.capabilities = capabilities
                    case "fallback":
                        override.fallback = try strings(field, here)
                        guard override.fallback.allSatisfy({ !$0.isEmpty }) else { throw fail(field, here, "a model name cannot be empty") }
                    default: override.family = try string(field, here)
                    }
                }
                result[ModelName.withTag(name).lowercased()] = override
            }
            return result
        }

        static func isName(_ text: String) -> Bool {
            !text.isEmpty && text.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 45 }
        }
    }
}
