import HTTPTypes
import SwitchyardCore

/// What the command line and the environment said, before validation. A flag wins over its
/// environment variable, which wins over the default.
public struct ConfigurationInputs: Sendable {
    public var listen: String?
    public var upstream: String?
    public var upstreamDialect: String?
    public var nativeRoutes: String?
    public var upstreamAPIKey: String?
    public var ollamaVersion: String?
    public var upstreamTimeoutSeconds: Int?
    public var connectTimeoutSeconds: Int?
    public var maximumBodyBytes: Int?
    public var drainTimeoutSeconds: Int?
    public var idleTimeoutSeconds: Int?
    public var authTokens: [String] = []
    public var authBasic: [String] = []
    public var authAPIKeys: [String] = []
    public var authAPIKeyHeader: String?
    public var authProtectRoot = false
    public var allowOrigins: [String] = []
    public var allowHosts: [String] = []
    public var hostCheck: Bool?
    public var metricsListen: String?
    /// `model=capability,capability` entries.
    public var modelCapabilities: [String] = []
    /// `model=auto|required|none` entries.
    public var toolChoices: [String] = []
    /// `--config FILE`: several upstreams and per-model overrides, in YAML.
    public var configFile: String?
    /// `--state-dir DIR`.
    public var stateDirectory: String?

    public init() {}
}

extension SwitchyardConfiguration {
    public static let versionFloor = [0, 6, 4]

    /// The configuration file's upstreams, listen address (flags and environment still win)
    /// and model overrides.
    mutating func apply(_ file: ConfigFile, flags: ConfigurationInputs, environment: [String: String]) throws(ConfigurationError) {
        let single = [
            ("--upstream", flags.upstream), ("--upstream-dialect", flags.upstreamDialect), ("--upstream-api-key", flags.upstreamAPIKey),
            ("SWITCHYARD_UPSTREAM", environment["SWITCHYARD_UPSTREAM"]),
            ("SWITCHYARD_UPSTREAM_DIALECT", environment["SWITCHYARD_UPSTREAM_DIALECT"]),
            ("SWITCHYARD_UPSTREAM_API_KEY", environment["SWITCHYARD_UPSTREAM_API_KEY"]),
        ]
        if let (name, _) = single.first(where: { $0.1.map { !$0.isEmpty } ?? false }) {
            throw ConfigurationError("\(name) names the one upstream of a setup without --config; with a config file its upstreams say it all")
        }
        var specs: [UpstreamSpec] = []
        for upstream in file.upstreams {
            var key: String?
            if let variable = upstream.apiKeyVariable {
                guard let value = environment[variable], !value.isEmpty else {
                    throw ConfigurationError("upstream '\(upstream.name)': api_key_env names \(variable), which is not set")
                }
                key = value
            }
            specs.append(
                UpstreamSpec(
                    name: upstream.name, url: upstream.url, dialect: upstream.dialect, apiKey: key, models: upstream.models,
                    command: upstream.command))
        }
        configuredUpstreams = specs
        self.upstream = specs[0].url
        self.upstreamDialect = specs[0].dialect
        if let listen = file.listen { self.listen = listen }
        modelOverrides = file.models
        if let maxLoaded = file.maxLoaded { processes.maxLoaded = maxLoaded }
        if let keepAlive = file.keepAlive { processes.keepAlive = keepAlive }
    }

    /// Builds a configuration from flags and environment, with one clear error for bad input.
    /// `OLLAMA_HOST` sets the listen address when `SWITCHYARD_LISTEN` is unset, so a machine
    /// already set up for Ollama keeps working.
    public static func resolve(_ flags: ConfigurationInputs, environment: [String: String]) throws(ConfigurationError) -> SwitchyardConfiguration {
        func env(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        var configuration = SwitchyardConfiguration()
        configuration.stateDirectory =
            flags.stateDirectory ?? env("SWITCHYARD_STATE_DIR") ?? env("XDG_STATE_HOME").map { $0 + "/switchyard" }
            ?? env("HOME").map { $0 + "/.local/state/switchyard" }
        if let path = flags.configFile ?? env("SWITCHYARD_CONFIG") {
            configuration.configFile = path
            try configuration.apply(try ConfigFile.read(path), flags: flags, environment: environment)
        }
        if let listen = flags.listen ?? env("SWITCHYARD_LISTEN") ?? env("OLLAMA_HOST") {
            configuration.listen = try ListenAddress(parsing: listen)
        }
        if let upstream = flags.upstream ?? env("SWITCHYARD_UPSTREAM") {
            configuration.upstream = try UpstreamURL(upstream)
        }
        if let dialect = flags.upstreamDialect ?? env("SWITCHYARD_UPSTREAM_DIALECT") {
            guard let setting = UpstreamDialectSetting(rawValue: dialect.lowercased()) else {
                throw ConfigurationError("invalid upstream dialect '\(dialect)': expected openai, ollama or auto")
            }
            configuration.upstreamDialect = setting
        }
        if let native = flags.nativeRoutes ?? env("SWITCHYARD_NATIVE_ROUTES") {
            guard let setting = NativeRoutesSetting(rawValue: native.lowercased()) else {
                throw ConfigurationError("invalid native-routes setting '\(native)': expected auto or never")
            }
            configuration.nativeRoutes = setting
        }
        configuration.upstreamAPIKey = flags.upstreamAPIKey ?? env("SWITCHYARD_UPSTREAM_API_KEY")
        if let version = flags.ollamaVersion ?? env("SWITCHYARD_OLLAMA_VERSION") {
            guard let parts = numericVersion(version) else {
                throw ConfigurationError("invalid Ollama version '\(version)': expected X.Y.Z, such as \(defaultOllamaVersion)")
            }
            guard parts.lexicographicallyPrecedes(versionFloor) == false else {
                throw ConfigurationError("Ollama version '\(version)' is below 0.6.4, which clients such as GitHub Copilot refuse")
            }
            configuration.ollamaVersion = version
        }
        // Bounded: NIO keeps time in Int64 nanoseconds, and a timeout past that would trap.
        func timeout(_ seconds: Int?, _ flag: String, from lowest: Int = 1) throws(ConfigurationError) -> Duration? {
            guard let seconds else { return nil }
            let longest = 366 * 86_400
            guard (lowest...longest).contains(seconds) else {
                throw ConfigurationError("--\(flag) must be between \(lowest) and \(longest) seconds")
            }
            return .seconds(seconds)
        }
        if let value = try timeout(flags.upstreamTimeoutSeconds, "upstream-timeout") { configuration.upstreamHeadTimeout = value }
        if let value = try timeout(flags.connectTimeoutSeconds, "connect-timeout") { configuration.upstreamConnectTimeout = value }
        if let value = try timeout(flags.drainTimeoutSeconds, "drain-timeout", from: 0) { configuration.drainTimeout = value }
        if let value = try timeout(flags.idleTimeoutSeconds, "idle-timeout") { configuration.idleTimeout = value }
        try resolveSecurity(flags, env: env, into: &configuration)
        let capabilityEntries =
            flags.modelCapabilities.isEmpty
            ? (env("SWITCHYARD_MODEL_CAPABILITIES") ?? "").split(separator: ";").map(String.init) : flags.modelCapabilities
        configuration.capabilityOverrides = try capabilityOverrides(capabilityEntries)
        let toolChoiceEntries =
            flags.toolChoices.isEmpty
            ? (env("SWITCHYARD_TOOL_CHOICE") ?? "").split(separator: ";").map(String.init) : flags.toolChoices
        configuration.toolChoices = try toolChoices(toolChoiceEntries)
        if let metrics = flags.metricsListen ?? env("SWITCHYARD_METRICS_LISTEN") {
            configuration.metricsListen = try ListenAddress(parsing: metrics, defaultPort: 9464)
        }
        if let bytes = flags.maximumBodyBytes {
            guard bytes > 0 else { throw ConfigurationError("--max-body-size must be a positive number of bytes") }
            configuration.maximumBodySize = bytes
        }
        return configuration
    }

    private static func resolveSecurity(
        _ flags: ConfigurationInputs, env: (String) -> String?, into configuration: inout SwitchyardConfiguration
    ) throws(ConfigurationError) {
        /// Flags win; otherwise a comma-separated variable.
        func list(_ flagValues: [String], _ names: String...) -> [String] {
            if !flagValues.isEmpty { return flagValues }
            return names.flatMap { name in
                (env(name) ?? "").split(separator: ",").map { String($0.trimmingWhitespace()) }.filter { !$0.isEmpty }
            }
        }
        var auth = InboundAuthConfiguration()
        auth.bearerTokens = list(flags.authTokens, "SWITCHYARD_AUTH_TOKENS")
        auth.basicCredentials = list(flags.authBasic, "SWITCHYARD_AUTH_BASIC")
        auth.apiKeys = list(flags.authAPIKeys, "SWITCHYARD_AUTH_API_KEYS")
        if let header = flags.authAPIKeyHeader ?? env("SWITCHYARD_AUTH_API_KEY_HEADER") {
            guard HTTPField.Name(header) != nil else { throw ConfigurationError("invalid API key header name '\(header)'") }
            auth.apiKeyHeader = header
        }
        auth.protectRoot =
            flags.authProtectRoot || env("SWITCHYARD_AUTH_PROTECT_ROOT").map { ["1", "true", "yes"].contains($0.lowercased()) } == true
        if let bad = auth.basicCredentials.first(where: { !$0.contains(":") || $0.hasPrefix(":") }) {
            throw ConfigurationError("invalid Basic credential '\(bad.prefix { $0 != ":" })…': expected user:password")
        }
        configuration.auth = auth
        // Ollama's variable keeps working; Switchyard's own adds to it.
        configuration.cors = CORSPolicy(extraOrigins: list(flags.allowOrigins, "OLLAMA_ORIGINS", "SWITCHYARD_ORIGINS"))
        let checkHosts = flags.hostCheck ?? HostPolicy.isLoopback(configuration.listen.host)
        configuration.hostCheck = checkHosts ? HostPolicy(extraHosts: list(flags.allowHosts, "SWITCHYARD_ALLOWED_HOSTS")) : nil
    }

    /// Ollama's capability names (types/model/capability.go).
    public static let knownCapabilities: Set = ["completion", "tools", "insert", "vision", "embedding", "thinking", "image", "audio"]

    /// `tiny=completion,tools` entries → capabilities by lower-cased tagged name.
    static func capabilityOverrides(_ entries: [String]) throws(ConfigurationError) -> [String: [String]] {
        var overrides: [String: [String]] = [:]
        for entry in entries.map({ String($0.trimmingWhitespace()) }) where !entry.isEmpty {
            let parts = entry.split(separator: "=", maxSplits: 1).map { String($0.trimmingWhitespace()) }
            let capabilities = parts.count == 2 ? parts[1].split(separator: ",").map { String($0.trimmingWhitespace()).lowercased() } : []
            guard parts.count == 2, !parts[0].isEmpty, !capabilities.isEmpty else {
                throw ConfigurationError("invalid model capabilities '\(entry)': expected model=capability,capability (e.g. tiny=completion,tools)")
            }
            if let unknown = capabilities.first(where: { !knownCapabilities.contains($0) }) {
                throw ConfigurationError(
                    "unknown capability '\(unknown)' for \(parts[0]): expected one of \(knownCapabilities.sorted().joined(separator: ", "))")
            }
            overrides[ModelName.withTag(parts[0]).lowercased()] = capabilities
        }
        return overrides
    }

    /// `tiny=required` entries → `tool_choice` by lower-cased tagged name.
    static func toolChoices(_ entries: [String]) throws(ConfigurationError) -> [String: String] {
        var choices: [String: String] = [:]
        for entry in entries.map({ String($0.trimmingWhitespace()) }) where !entry.isEmpty {
            let parts = entry.split(separator: "=", maxSplits: 1).map { String($0.trimmingWhitespace()) }
            guard parts.count == 2, !parts[0].isEmpty, ["auto", "required", "none"].contains(parts[1].lowercased()) else {
                throw ConfigurationError("invalid tool choice '\(entry)': expected model=auto, model=required or model=none")
            }
            choices[ModelName.withTag(parts[0]).lowercased()] = parts[1].lowercased()
        }
        return choices
    }

    /// `0.12.11` → [0, 12, 11]; a pre-release suffix (`0.13.0-rc1`) is allowed, as Ollama uses one.
    static func numericVersion(_ text: String) -> [Int]? {
        let core = text.split(separator: "-", maxSplits: 1).first.map(String.init) ?? ""
        let parts = core.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 3, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
        return parts.map { $0! }
    }
}

public enum SwitchyardVersion {
    public static let current = "0.1.0"
}
