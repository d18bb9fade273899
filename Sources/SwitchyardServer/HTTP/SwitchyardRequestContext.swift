import Hummingbird

/// The per-request context. Body limits are enforced by Switchyard's own handlers (with an
/// error in the caller's dialect), so Hummingbird's default 2 MiB decode limit is lifted.
public struct SwitchyardRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { .max }

    /// Where the model the request names is served, once `ModelRoutingMiddleware` found it.
    var route: UpstreamRegistry.Route?
}
