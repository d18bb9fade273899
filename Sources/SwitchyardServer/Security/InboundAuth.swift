import HTTPTypes
import Hummingbird
import SwitchyardCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Who may call Switchyard: Bearer tokens, HTTP Basic users, API keys in a header of a
/// configurable name. Off when none is configured.
public struct InboundAuthConfiguration: Sendable, Equatable {
    public var bearerTokens: [String] = []
    /// `user:password` pairs.
    public var basicCredentials: [String] = []
    public var apiKeys: [String] = []
    public var apiKeyHeader = "X-API-Key"
    /// `GET`/`HEAD /` stays open for health probes unless this is set.
    public var protectRoot = false

    public init() {}

    public var isEnabled: Bool { !bearerTokens.isEmpty || !basicCredentials.isEmpty || !apiKeys.isEmpty }
}

/// Refuses requests without valid credentials: 401 in the caller's dialect, with
/// `WWW-Authenticate` naming the schemes that would work. Secrets are compared in constant time
/// and never logged.
struct InboundAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let bearerTokens: [[UInt8]]
    let basicCredentials: [[UInt8]]
    let apiKeys: [[UInt8]]
    let apiKeyHeader: HTTPField.Name
    let protectRoot: Bool
    let challenges: [String]

    init(_ configuration: InboundAuthConfiguration) {
        bearerTokens = configuration.bearerTokens.map { Array($0.utf8) }
        basicCredentials = configuration.basicCredentials.map { Array($0.utf8) }
        apiKeys = configuration.apiKeys.map { Array($0.utf8) }
        apiKeyHeader = HTTPField.Name(configuration.apiKeyHeader) ?? HTTPField.Name("X-API-Key")!
        protectRoot = configuration.protectRoot
        var challenges: [String] = []
        if !bearerTokens.isEmpty || !apiKeys.isEmpty { challenges.append(#"Bearer realm="switchyard""#) }
        if !basicCredentials.isEmpty { challenges.append(#"Basic realm="switchyard", charset="UTF-8""#) }
        self.challenges = challenges
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let isHealthProbe = request.uri.path == "/" && (request.method == .get || request.method == .head)
        if (isHealthProbe && !protectRoot) || request.method == .options || isAuthorized(request.headers) {
            return try await next(request, context)
        }
        var response = APIDialect.of(path: request.uri.path).errorResponse(status: 401, message: "unauthorized: missing or invalid credentials")
        for challenge in challenges { response.headers.append(HTTPField(name: .wwwAuthenticate, value: challenge)) }
        return response
    }

    func isAuthorized(_ headers: HTTPFields) -> Bool {
        for value in headers[values: .authorization] {
            if let token = Self.credential(value, scheme: "bearer") {
                // An OpenAI SDK sends its API key as a Bearer token: accept API keys there too.
                if Self.matches(Array(token.utf8), any: bearerTokens + apiKeys) { return true }
            } else if let encoded = Self.credential(value, scheme: "basic"), let decoded = Data(base64Encoded: encoded) {
                if Self.matches(Array(decoded), any: basicCredentials) { return true }
            }
        }
        if headers[values: apiKeyHeader].contains(where: { Self.matches(Array($0.utf8), any: apiKeys) }) { return true }
        // The Anthropic SDKs (and Claude Code's ANTHROPIC_API_KEY) send their key as `x-api-key`,
        // whatever header is configured; a token goes as Bearer (ANTHROPIC_AUTH_TOKEN).
        return headers[values: HTTPField.Name("x-api-key")!].contains { Self.matches(Array($0.utf8), any: apiKeys) }
    }

    private static func credential(_ value: String, scheme: String) -> String? {
        guard value.count > scheme.count + 1, value.prefix(scheme.count).lowercased() == scheme, value.dropFirst(scheme.count).first == " " else {
            return nil
        }
        return String(value.dropFirst(scheme.count + 1).trimmingWhitespace())
    }

    /// Compares against every secret, always all of them and always every byte, so the time
    /// taken says nothing about how close a guess was.
    static func matches(_ candidate: [UInt8], any secrets: [[UInt8]]) -> Bool {
        var found = false
        for secret in secrets { found = constantTimeEquals(candidate, secret) || found }
        return found
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt64(a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= UInt64(x ^ y)
        }
        return difference == 0
    }
}
