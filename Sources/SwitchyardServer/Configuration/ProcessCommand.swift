/// An upstream Switchyard starts on demand: the command (split as a shell would, never run
/// through one), where it says it is ready, and how long it may take.
public struct ProcessCommand: Sendable, Equatable {
    /// Replaced in every word of the command, and in the upstream's URL, by a free loopback
    /// port Switchyard picks at each start.
    public static let portPlaceholder = "${PORT}"
    public static let defaultStartTimeout: Duration = .seconds(120)

    public var words: [String]
    /// Polled until it answers 200; nil: `/health`, else `/v1/models` where there is no `/health`.
    public var readyPath: String?
    public var startTimeout: Duration
    /// The upstream's URL, `${PORT}` and all (by default `http://127.0.0.1:${PORT}`): the
    /// client is pointed at it anew at each start.
    public var url: String

    public init(
        words: [String], readyPath: String? = nil, startTimeout: Duration = defaultStartTimeout,
        url: String = "http://127.0.0.1:" + portPlaceholder
    ) {
        self.words = words
        self.readyPath = readyPath
        self.startTimeout = startTimeout
        self.url = url
    }

    /// Whether each start's port changes where the upstream is reached.
    var portInURL: Bool { url.contains(Self.portPlaceholder) }

    /// Where the upstream is reached for a start on `port`.
    func url(port: Int) throws(ConfigurationError) -> UpstreamURL { try UpstreamURL(url.replacing(Self.portPlaceholder, with: String(port))) }

    /// The words to run for a start on `port`.
    func arguments(port: Int) -> [String] { words.map { $0.replacing(Self.portPlaceholder, with: String(port)) } }
}
