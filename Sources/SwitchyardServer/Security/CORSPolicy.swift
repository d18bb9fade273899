import HTTPTypes
import Hummingbird

/// Which web origins may call Switchyard from a browser: Ollama's own rules, so pages and
/// editor extensions that work with Ollama work here. `*` in a pattern matches anything; an
/// entry of just `*` allows every origin.
public struct CORSPolicy: Sendable, Equatable {
    public var allowedOrigins: [String]

    /// Ollama's built-in list (`envconfig.AllowedOrigins`).
    public static let ollamaDefaults: [String] =
        ["localhost", "127.0.0.1", "0.0.0.0"].flatMap { host in
            ["http://\(host)", "https://\(host)", "http://\(host):*", "https://\(host):*"]
        } + ["app://*", "file://*", "tauri://*", "vscode-webview://*", "vscode-file://*"]

    public init(extraOrigins: [String] = []) {
        allowedOrigins = extraOrigins + Self.ollamaDefaults
    }

    public var allowsAll: Bool { allowedOrigins.contains("*") }

    public func allows(_ origin: String) -> Bool {
        allowsAll || allowedOrigins.contains { Self.glob($0.lowercased(), matches: origin.lowercased()) }
    }

    /// `*` matches any run of characters.
    static func glob(_ pattern: String, matches text: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false)
        guard parts.count > 1 else { return pattern == text }
        var rest = Substring(text)
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        for part in parts.dropFirst().dropLast() {
            guard let range = rest.firstRange(of: part) else { return false }
            rest = rest[range.upperBound...]
        }
        return rest.hasSuffix(parts.last!)
    }
}

/// Answers preflight requests and marks allowed cross-origin responses; refuses other origins
/// with an empty 403, as Ollama does. Requests without `Origin`, or from the server's own
/// origin, are not cross-origin and pass untouched.
struct CORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: CORSPolicy
    let allowedHeaders: String

    init(policy: CORSPolicy, apiKeyHeader: String) {
        self.policy = policy
        let stainless = [
            "arch", "async", "custom-poll-interval", "helper-method", "lang", "os", "package-version", "poll-helper", "retry-count", "runtime",
            "runtime-version", "timeout",
        ]
        allowedHeaders =
            (["Authorization", "Content-Type", "User-Agent", "Accept", "X-Requested-With", "OpenAI-Beta", apiKeyHeader]
            + ["anthropic-version", "anthropic-beta", "x-api-key", "anthropic-dangerous-direct-browser-access"]
            + stainless.map { "x-stainless-\($0)" }).joined(separator: ", ")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], !isSameOrigin(origin, request) else { return try await next(request, context) }
        guard policy.allows(origin) else { return Response(status: .forbidden) }
        let allowOrigin = policy.allowsAll ? "*" : origin
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            return Response(
                status: .noContent,
                headers: [
                    .accessControlAllowOrigin: allowOrigin, .accessControlAllowMethods: "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS",
                    .accessControlAllowHeaders: allowedHeaders, .accessControlMaxAge: "43200", .vary: "Origin",
                ])
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = allowOrigin
        response.headers[.vary] = "Origin"
        return response
    }

    private func isSameOrigin(_ origin: String, _ request: Request) -> Bool {
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }
}
