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
        /// How to start it on demand, if Switchyard does.
        var command: ProcessCommand? = nil
    }

    var listen: ListenAddress?
    /// `max_loaded`: command upstreams running at once.
    var maxLoaded: Int?
    /// `keep_alive`: how long a started process stays idle before it is stopped.
    var keepAlive: KeepAlive?
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
            var maxLoaded: Int?
            var keepAlive: KeepAlive?
            for (key, _, value) in try mapping(root, "the file", keys: ["listen", "upstreams", "models", "max_loaded", "keep_alive"]) {
                switch key {
                case "max_loaded":
                    guard let count = Int(try string(value, key)), count > 0 else { throw fail(value, key, "expected a whole number of at least 1") }
                    maxLoaded = count
                case "keep_alive":
                    guard let duration = KeepAlive(parsing: try string(value, key)) else {
                        throw fail(value, key, "expected a duration such as 5m, 30s or 1h, or -1 for ever")
                    }
                    keepAlive = duration
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
            return ConfigFile(listen: listen, maxLoaded: maxLoaded, keepAlive: keepAlive, upstreams: upstreams, models: models)
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
                var models: [String]?
                var urlText: String?
                var command: [String]?
                var readyPath: String?
                var startTimeout: Duration?
                let keys: Set<String> = ["name", "url", "dialect", "api_key_env", "models", "command", "ready_path", "start_timeout"]
                for (key, _, value) in try mapping(item, path, keys: keys) {
                    let here = "\(path).\(key)"
                    switch key {
                    case "command":
                        let text = try string(value, here)
                        let words: [String]
                        do {
                            words = try ShellWords.split(text)
                        } catch {
                            throw fail(value, here, error.description)
                        }
                        guard !words.isEmpty else { throw fail(value, here, "empty") }
                        command = words
                    case "ready_path":
                        let text = try string(value, here)
                        guard text.hasPrefix("/"), !text.contains(where: { $0.isWhitespace }) else {
                            throw fail(value, here, "expected a path such as /health")
                        }
                        readyPath = text
                    case "start_timeout":
                        guard case .duration(let nanoseconds)? = KeepAlive(parsing: try string(value, here)), nanoseconds > 0 else {
                            throw fail(value, here, "expected a duration such as 120s or 5m")
                        }
                        startTimeout = .nanoseconds(nanoseconds)
                    case "name":
                        let text = try string(value, here)
                        guard Self.isName(text) else { throw fail(value, here, "'\(text)' must be lower-case letters, digits and '-'") }
                        guard names.insert(text).inserted else { throw fail(value, here, "'\(text)' names another upstream already") }
                        name = text
                    case "url":
                        let text = try string(value, here)
                        urlText = text
                        do {
                            url = try UpstreamURL(text.replacing(ProcessCommand.portPlaceholder, with: "0"))
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
                        let list = try strings(value, here)
                        guard !list.isEmpty else { throw fail(value, here, "an empty list exposes nothing; leave it out for all") }
                        models = list
                    }
                }
                guard let name else { throw fail(item, "\(path).name", "required") }
                guard let command else {
                    guard let url else { throw fail(item, "\(path).url", "required, or a command that starts the upstream") }
                    if let urlText, urlText.contains(ProcessCommand.portPlaceholder) {
                        throw fail(item, "\(path).url", "${PORT} is for an upstream Switchyard starts: add its command")
                    }
                    for (key, given) in [("ready_path", readyPath != nil), ("start_timeout", startTimeout != nil)] where given {
                        throw fail(item, "\(path).\(key)", "only for an upstream with a command")
                    }
                    result.append(Upstream(name: name, url: url, dialect: dialect, apiKeyVariable: apiKeyVariable, models: models ?? ["*"]))
                    continue
                }
                guard let models else { throw fail(item, "\(path).models", "required with a command: the names it serves, listed before it runs") }
                if let glob = models.first(where: { $0.contains(where: { "*?[".contains($0) }) }) {
                    throw fail(item, "\(path).models", "'\(glob)': with a command, the names it serves, not globs")
                }
                guard dialect != .auto else { throw fail(item, "\(path).dialect", "with a command, say openai or ollama") }
                let target = urlText ?? "http://127.0.0.1:\(ProcessCommand.portPlaceholder)"
                guard target.lowercased().hasPrefix("http://") else {
                    throw fail(item, "\(path).url", "an upstream Switchyard starts is reached over http://")
                }
                let process = ProcessCommand(
                    words: command, readyPath: readyPath, startTimeout: startTimeout ?? ProcessCommand.defaultStartTimeout,
                    url: target)
                result.append(
                    Upstream(
                        name: name, url: url ?? UpstreamURL(loopbackPort: 0), dialect: dialect, apiKeyVariable: apiKeyVariable,
                        models: models, command: process))
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
