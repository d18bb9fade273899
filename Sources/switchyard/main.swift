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
            Environment: SWITCHYARD_LISTEN (else OLLAMA_HOST), SWITCHYARD_UPSTREAM, SWITCHYARD_UPSTREAM_DIALECT, \
            SWITCHYARD_UPSTREAM_API_KEY (sent upstream as a Bearer token), SWITCHYARD_OLLAMA_VERSION, \
            SWITCHYARD_LOG_LEVEL. A flag wins over its variable.
            """)

    @Option(help: "Address to listen on, host:port. (default: 127.0.0.1:11434)")
    var listen: String?

    @Option(help: "Upstream base URL, with or without /v1. (default: http://127.0.0.1:8080)")
    var upstream: String?

    @Option(help: "Upstream dialect: openai, ollama, or auto to probe. (default: openai)")
    var upstreamDialect: String?

    @Option(help: "Version reported by /api/version; clients need at least 0.6.4. (default: \(SwitchyardConfiguration.defaultOllamaVersion))")
    var ollamaVersion: String?

    @Option(help: "Seconds to wait for the upstream's response head (model loading included); streams are never cut. (default: 600)")
    var upstreamTimeout: Int?

    @Option(help: "Seconds to wait for a connection to the upstream. (default: 10)")
    var connectTimeout: Int?

    @Option(help: "Largest request body accepted, in bytes. (default: 104857600)")
    var maxBodySize: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error. (default: info)")
    var logLevel: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        var inputs = ConfigurationInputs()
        inputs.listen = listen
        inputs.upstream = upstream
        inputs.upstreamDialect = upstreamDialect
        inputs.ollamaVersion = ollamaVersion
        inputs.upstreamTimeoutSeconds = upstreamTimeout
        inputs.connectTimeoutSeconds = connectTimeout
        inputs.maximumBodyBytes = maxBodySize
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
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "switchyard")
        logger.info("starting", metadata: [
            "listen": "\(configuration.listen)", "upstream": "\(configuration.upstream)",
            "dialect": "\(configuration.upstreamDialect.rawValue)", "version": "\(SwitchyardVersion.current)",
        ])
        let app = buildApplication(configuration: configuration, logger: logger)
        do {
            try await app.runService()
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
