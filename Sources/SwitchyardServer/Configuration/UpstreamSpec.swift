import SwitchyardCore

/// One upstream as configured: from the single-upstream flags, or an entry of `--config`.
public struct UpstreamSpec: Sendable, Equatable {
    /// `[a-z0-9-]+`; the prefix of `name/model`, which reaches this upstream's model whatever
    /// the merged list calls it.
    public var name: String
    public var url: UpstreamURL
    public var dialect: UpstreamDialectSetting
    /// Sent as `Authorization: Bearer …`.
    public var apiKey: String?
    /// Globs over the upstream's model ids; the models to expose. With a command: the names
    /// it serves, listed whether it runs or not.
    public var models: [String]
    /// How Switchyard starts it on demand, if it does.
    public var command: ProcessCommand?

    public init(
        name: String, url: UpstreamURL, dialect: UpstreamDialectSetting, apiKey: String? = nil, models: [String] = ["*"],
        command: ProcessCommand? = nil
    ) {
        self.name = name
        self.url = url
        self.dialect = dialect
        self.apiKey = apiKey
        self.models = models
        self.command = command
    }

    func exposes(_ modelID: String) -> Bool { models.contains { ModelGlob.matches($0, modelID) } }
}

extension SwitchyardConfiguration {
    /// The upstreams in routing order: the configuration file's, else the one the flags name.
    var upstreamSpecs: [UpstreamSpec] {
        configuredUpstreams.isEmpty
            ? [UpstreamSpec(name: "default", url: upstream, dialect: upstreamDialect, apiKey: upstreamAPIKey)] : configuredUpstreams
    }
}
