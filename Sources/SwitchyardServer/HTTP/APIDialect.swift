import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SwitchyardCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The families of error shapes. Every error is rendered in the dialect of the surface the
/// client called, because each family of clients only knows how to read its own; the Responses
/// API shares OpenAI's.
public enum APIDialect: Sendable {
    case ollama
    case openAI
    case anthropic

    public static func of(path: String) -> APIDialect {
        if path == "/v1/messages" || path.hasPrefix("/v1/messages/") { return .anthropic }
        return path == "/v1" || path.hasPrefix("/v1/") ? .openAI : .ollama
    }

    func errorResponse(status: Int, message: String, retryAfter: String? = nil) -> Response {
        let body: [UInt8]
        switch self {
        case .ollama:
            body = OllamaError.body(message)
        case .openAI:
            body = OpenAIError.body(message: message, status: status)
        case .anthropic:
            body = AnthropicError.body(message: message, status: status)
        }
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let retryAfter { headers[.retryAfter] = retryAfter }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Turns every error a handler throws into a response in the caller's dialect, so no client
/// ever sees a bare error page, and logs what went wrong.
struct DialectErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as RequestError {
            log(error.status, error.message, request, context)
            return APIDialect.of(path: request.uri.path).errorResponse(status: error.status, message: error.message, retryAfter: error.retryAfter)
        } catch let error as HTTPError {
            let status = Int(error.status.code)
            let message = error.body ?? Self.defaultMessage(status: status, request: request)
            log(status, message, request, context)
            var response = APIDialect.of(path: request.uri.path).errorResponse(status: status, message: message)
            for field in error.headers where field.name != .contentType { response.headers.append(field) }
            return response
        } catch {
            // The details are for the operator's log; a client learns only that it failed.
            log(500, "\(error)", request, context)
            return APIDialect.of(path: request.uri.path).errorResponse(status: 500, message: "internal error")
        }
    }

    static func defaultMessage(status: Int, request: Request) -> String {
        switch status {
        case 404: "\(request.uri.path) not found"
        case 405: "method \(request.method) not allowed on \(request.uri.path)"
        case 413: "request body too large"
        default: HTTPResponse.Status(code: status).reasonPhrase
        }
    }

    private func log(_ status: Int, _ message: String, _ request: Request, _ context: Context) {
        let level: Logger.Level = status >= 500 ? .error : .notice
        context.logger.log(
            level: level, "request failed",
            metadata: [
                "status": "\(status)", "path": "\(request.uri.path)", "error": "\(message)",
            ])
    }
}
