import SwitchyardCore

/// Everything the server needs to run, already validated. The executable builds one from
/// flags and environment; tests build one directly.
public struct SwitchyardConfiguration: Sendable {
    public var listen: ListenAddress
    public var upstream: UpstreamURL
    public var upstreamDialect: UpstreamDialectSetting
    /// Sent upstream as `Authorization: Bearer …` when set.
    public var upstreamAPIKey: String?
    /// The version `/api/version` claims. Clients refuse anything below 0.6.4.
    public var ollamaVersion: String
    /// Upper bound on connecting to the upstream and waiting for its response head. It must
    /// allow for a model to load; it never limits how long a stream may run.
    public var upstreamHeadTimeout: Duration
    public var upstreamConnectTimeout: Duration
    /// Largest request body accepted (base64 images make Ollama bodies large).
    public var maximumBodySize: Int
    /// Idle keep-alive connections kept per event loop (plain HTTP), or concurrent connections before
    /// requests queue (https, through AsyncHTTPClient).
    public var upstreamConnectionLimit: Int
    /// Credentials clients must present; off when empty.
    public var auth = InboundAuthConfiguration()
    /// Browser origins allowed to call.
    public var cors = CORSPolicy()
    /// The DNS-rebinding guard; on by default when listening on loopback.
    public var hostCheck: HostPolicy?
    /// Serve `/metrics` on this address instead of the main listener.
    public var metricsListen: ListenAddress?
    /// Capabilities to report for a model whatever the upstream says, keyed by the model's
    /// Ollama name in lower case (`tiny:latest`).
    public var capabilityOverrides: [String: [String]] = [:]
    /// `tool_choice` sent upstream with requests that carry tools, keyed like
    /// `capabilityOverrides`. Ollama's API has no such field; small local models may need
    /// `required` to call tools at all.
    public var toolChoices: [String: String] = [:]
    /// How long a shutdown (SIGTERM, SIGINT) lets requests in flight finish before cutting them.
    public var drainTimeout: Duration = .seconds(30)
    /// How long a client connection may sit idle — between requests, or stalled while sending
    /// one — before it is closed. Never applies while a response is being written, so a stream
    /// (or a wait for a model to load) is never cut by it.
    public var idleTimeout: Duration = .seconds(60)
    /// Whether `/v1/messages` and `/v1/responses` may go to an upstream that serves them itself.
    public var nativeRoutes: NativeRoutesSetting = .auto
    /// The `--config` file, watched for changes (a reload when it changed and then held still).
    public var configFile: String?
    /// Where the models `/api/copy` and `/api/create` make are kept, and the started
    /// upstreams' logs; nil: in memory only (tests).
    public var stateDirectory: String?
    /// The upstreams of `--config`, in routing order; empty: the one upstream above.
    public var configuredUpstreams: [UpstreamSpec] = []
    /// Per-model overrides of `--config`, by exposed name in lower case.
    public var modelOverrides: [String: ModelOverride] = [:]
    /// For the upstreams Switchyard starts on demand (a `command` in the file).
    public var processes = ProcessSettings()

    /// A current Ollama release: clients gate features on the version (the Anthropic and
    /// Responses surfaces came with 0.13 and 0.14), and some refuse old ones.
    public static let defaultOllamaVersion = "0.34.2"

    public init(
        listen: ListenAddress = .init(host: "127.0.0.1", port: 11434),
        upstream: UpstreamURL = try! UpstreamURL("http://127.0.0.1:8080"),
        upstreamDialect: UpstreamDialectSetting = .openAI,
        upstreamAPIKey: String? = nil,
        ollamaVersion: String = SwitchyardConfiguration.defaultOllamaVersion,
        upstreamHeadTimeout: Duration = .seconds(600),
        upstreamConnectTimeout: Duration = .seconds(10),
        maximumBodySize: Int = 100 * 1024 * 1024,
        upstreamConnectionLimit: Int = 1024
    ) {
        self.listen = listen
        self.upstream = upstream
        self.upstreamDialect = upstreamDialect
        self.upstreamAPIKey = upstreamAPIKey
        self.ollamaVersion = ollamaVersion
        self.upstreamHeadTimeout = upstreamHeadTimeout
        self.upstreamConnectTimeout = upstreamConnectTimeout
        self.maximumBodySize = maximumBodySize
        self.upstreamConnectionLimit = upstreamConnectionLimit
        self.hostCheck = HostPolicy.isLoopback(listen.host) ? HostPolicy() : nil
    }
}

public enum UpstreamDialectSetting: String, Sendable, CaseIterable {
    case openAI = "openai"
    case ollama
    /// Probe the upstream's `/api/version` to tell an Ollama server from an OpenAI-compatible one.
    case auto
}

/// `auto`: a route the upstream serves itself is passed through; `never`: always translated
/// to the upstream's chat endpoint.
public enum NativeRoutesSetting: String, Sendable, CaseIterable {
    case auto
    case never
}

public enum UpstreamDialect: String, Sendable {
    case openAI = "openai"
    case ollama
}

/// What the configuration says of a model, whatever its upstream reveals.
public struct ProcessSettings: Sendable, Equatable {
    /// At most this many started upstreams run at once (Ollama's `OLLAMA_MAX_LOADED_MODELS`,
    /// whose default on a machine without a GPU is also 3).
    public var maxLoaded = 3
    /// How long a started upstream stays idle before it is stopped, unless a request's own
    /// `keep_alive` says otherwise.
    public var keepAlive = KeepAlive.default
    /// Between SIGTERM and SIGKILL when a started upstream is stopped.
    public var stopGrace: Duration = .seconds(10)
    /// The first wait after two failures in a row; it doubles with each further one, up to a
    /// minute.
    public var firstBackoff: Duration = .seconds(1)

    public init() {}
}

public struct ModelOverride: Sendable, Equatable {
    public var contextLength: Int?
    public var capabilities: [String]?
    public var family: String?
    /// Names to try, in order, when every upstream serving the model refuses or fails before
    /// answering (or none lists it): each a model as clients name it, `upstream/model` too.
    public var fallback: [String]

    public init(contextLength: Int? = nil, capabilities: [String]? = nil, family: String? = nil, fallback: [String] = []) {
        self.contextLength = contextLength
        self.capabilities = capabilities
        self.family = family
        self.fallback = fallback
    }
}

public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
