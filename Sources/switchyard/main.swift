import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SwitchyardServer

@main
struct Switchyard: AsyncParsableCommand {

    static let configuration = CommandConfiguration(
        commandName: "switchyard",
        abstract: "One port for Ollama and OpenAI clients, in front of any OpenAI-compatible or Ollama server.",
        version: SwitchyardVersion.current,
        subcommands: [Serve.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the Ollama and OpenAI APIs on one port, translating to the upstream's dialect.",
        discussion: """
            Environment: SWITCHYARD_CONFIG, SWITCHYARD_STATE_DIR, SWITCHYARD_LISTEN (else OLLAMA_HOST), SWITCHYARD_UPSTREAM, SWITCHYARD_UPSTREAM_DIALECT, \
            SWITCHYARD_UPSTREAM_API_KEY (sent upstream as a Bearer token), SWITCHYARD_OLLAMA_VERSION, \
            SWITCHYARD_LOG_LEVEL, SWITCHYARD_AUTH_TOKENS, SWITCHYARD_AUTH_BASIC, SWITCHYARD_AUTH_API_KEYS, \
            SWITCHYARD_AUTH_API_KEY_HEADER, SWITCHYARD_AUTH_PROTECT_ROOT, OLLAMA_ORIGINS, SWITCHYARD_ORIGINS, \
            SWITCHYARD_ALLOWED_HOSTS (lists are comma-separated), SWITCHYARD_LOG_FORMAT, SWITCHYARD_METRICS_LISTEN, SWITCHYARD_MODEL_CAPABILITIES, SWITCHYARD_TOOL_CHOICE. \
            A flag wins over its variable.
            """)

    @Option(help: "Address to listen on, host:port. (default: 127.0.0.1:11434)")
    var listen: String?

    @Option(help: "A YAML file naming several upstreams, routed by model (docs/configuration.md); replaces --upstream.")
    var config: String?

    @Option(help: "Where the model names made with /api/copy are kept. (default: $XDG_STATE_HOME/switchyard, else ~/.local/state/switchyard)")
    var stateDir: String?

    @Option(help: "Upstream base URL, with or without /v1. (default: http://127.0.0.1:8080)")
    var upstream: String?

    @Option(help: "Upstream dialect: openai, ollama, or auto to probe. (default: openai)")
    var upstreamDialect: String?

    @Option(
        help:
            "/v1/messages and /v1/responses: auto passes them to an upstream that serves them itself, never always translates them to its chat endpoint. (default: auto)"
    )
    var nativeRoutes: String?

    @Option(help: "Version reported by /api/version; clients need at least 0.6.4. (default: \(SwitchyardConfiguration.defaultOllamaVersion))")
    var ollamaVersion: String?

    @Option(help: "Seconds to wait for the upstream's response head (model loading included); streams are never cut. (default: 600)")
    var upstreamTimeout: Int?

    @Option(help: "Seconds to wait for a connection to the upstream. (default: 10)")
    var connectTimeout: Int?

    @Option(help: "Largest request body accepted, in bytes. (default: 104857600)")
    var maxBodySize: Int?

    @Option(help: "On SIGTERM or SIGINT, seconds to let requests and streams in flight finish before they are cut with an error. (default: 30)")
    var drainTimeout: Int?

    @Option(
        help:
            "Seconds a client connection may sit idle (between requests, or stalled mid-request) before it is closed; never cuts a response. (default: 60)"
    )
    var idleTimeout: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error. (default: info)")
    var logLevel: String?

    @Option(help: "Log format: text (for a terminal) or json (one object per line). (default: text)")
    var logFormat: String?

    @Option(help: "Serve /metrics on this address (host:port) instead of the main listener.")
    var metricsListen: String?

    @Option(
        name: .customLong("model-capabilities"),
        help:
            "Capabilities /api/show reports for a model, whatever the upstream says: MODEL=CAP,CAP (e.g. tiny=completion,tools); repeatable (or SWITCHYARD_MODEL_CAPABILITIES, entries separated by ';')."
    )
    var modelCapabilities: [String] = []

    @Option(
        name: .customLong("tool-choice"),
        help:
            "tool_choice sent upstream when an Ollama request carries tools: MODEL=auto|required|none (e.g. tiny=required); repeatable (or SWITCHYARD_TOOL_CHOICE, entries separated by ';')."
    )
    var toolChoices: [String] = []

    @Option(
        name: .customLong("auth-token"),
        help: "Require this Bearer token from clients; repeatable. Prefer SWITCHYARD_AUTH_TOKENS: flags show in `ps`.")
    var authTokens: [String] = []

    @Option(name: .customLong("auth-basic"), help: "Accept this HTTP Basic user:password; repeatable (or SWITCHYARD_AUTH_BASIC).")
    var authBasic: [String] = []

    @Option(
        name: .customLong("auth-api-key"),
        help: "Accept this API key, in the API key header or as a Bearer token; repeatable (or SWITCHYARD_AUTH_API_KEYS).")
    var authAPIKeys: [String] = []

    @Option(help: "Header that carries an API key. (default: X-API-Key)")
    var authApiKeyHeader: String?

    @Flag(help: "Require credentials on GET / as well (it is open for health probes by default).")
    var authProtectRoot = false

    @Option(
        name: .customLong("allow-origin"),
        help: "Another browser origin allowed to call (patterns with *, or * for all); repeatable. OLLAMA_ORIGINS is honoured too.")
    var allowOrigins: [String] = []

    @Option(name: .customLong("allow-host"), help: "Another Host name accepted when listening on loopback; repeatable (or SWITCHYARD_ALLOWED_HOSTS).")
    var allowHosts: [String] = []

    @Flag(
        inversion: .prefixedNo, help: "Refuse requests whose Host is not a local name (DNS-rebinding guard). (default: on when listening on loopback)"
    )
    var hostCheck: Bool?

    func run() async throws {
        // Before anything starts NIO's event loops.
        EventLoopCount.applyAffinity()
        let environment = ProcessInfo.processInfo.environment
        var inputs = ConfigurationInputs()
        inputs.listen = listen
        inputs.configFile = config
        inputs.stateDirectory = stateDir
        inputs.upstream = upstream
        inputs.upstreamDialect = upstreamDialect
        inputs.nativeRoutes = nativeRoutes
        inputs.ollamaVersion = ollamaVersion
        inputs.upstreamTimeoutSeconds = upstreamTimeout
        inputs.connectTimeoutSeconds = connectTimeout
        inputs.maximumBodyBytes = maxBodySize
        inputs.drainTimeoutSeconds = drainTimeout
        inputs.idleTimeoutSeconds = idleTimeout
        inputs.authTokens = authTokens
        inputs.authBasic = authBasic
        inputs.authAPIKeys = authAPIKeys
        inputs.authAPIKeyHeader = authApiKeyHeader
        inputs.authProtectRoot = authProtectRoot
        inputs.allowOrigins = allowOrigins
        inputs.allowHosts = allowHosts
        inputs.hostCheck = hostCheck
        inputs.metricsListen = metricsListen
        inputs.modelCapabilities = modelCapabilities
        inputs.toolChoices = toolChoices
        let configuration: SwitchyardConfiguration
        do {
            configuration = try SwitchyardConfiguration.resolve(inputs, environment: environment)
        } catch {
            Self.fail(error.description)
        }
        let levelText = logLevel ?? environment["SWITCHYARD_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            Self.fail("invalid log level '\(levelText)': expected trace, debug, info, notice, warning or error")
        }
        let formatText = logFormat ?? environment["SWITCHYARD_LOG_FORMAT"] ?? "text"
        let format: LineLogHandler.Format
        switch formatText.lowercased() {
        case "json": format = .json
        case "text": format = .text
        default: Self.fail("invalid log format '\(formatText)': expected text or json")
        }
        LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level, format: format) }
        let logger = Logger(label: "switchyard")
        var facts: Logger.Metadata = ["listen": "\(configuration.listen)", "version": "\(SwitchyardVersion.current)"]
        if let file = configuration.configFile {
            facts["config"] = "\(file)"
            facts["upstreams"] = "\(configuration.configuredUpstreams.map(\.name).joined(separator: ","))"
        } else {
            facts["upstream"] = "\(configuration.upstream)"
            facts["dialect"] = "\(configuration.upstreamDialect.rawValue)"
        }
        logger.info("starting", metadata: facts)
        do {
            // SIGHUP reads the file again, with the same flags and the environment of that moment.
            let reload: (@Sendable () throws(ConfigurationError) -> SwitchyardConfiguration)? =
                inputs.configFile == nil
                ? nil
                : { @Sendable [inputs] () throws(ConfigurationError) in
                    try SwitchyardConfiguration.resolve(inputs, environment: ProcessInfo.processInfo.environment)
                }
            let app = try buildApplication(configuration: configuration, logger: logger, reload: reload)
            try await app.runService()
        } catch let error as ConfigurationError {
            Self.fail(error.description)
        } catch {
            let reason = "\(error)".contains("Address already in use") ? "address already in use" : "\(error)"
            Self.fail("cannot serve on \(configuration.listen): \(reason)", code: 1)
        }
    }

    /// One line on standard error, then exit: a bad setting is not worth a usage screen.
    static func fail(_ message: String, code: Int32 = 64) -> Never {
        FileHandle.standardError.write(Data("switchyard: error: \(message)\n".utf8))
        Foundation.exit(code)
    }
}
