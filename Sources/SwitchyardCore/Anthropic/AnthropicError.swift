/// Anthropic's error object: `{"type":"error","error":{"type","message"}}`, the type named
/// after the status as Anthropic's API names it.
package enum AnthropicError {
    package static func body(message: String, status: Int) -> [UInt8] {
        var detail = JSONObjectWriter(capacity: 64 + message.utf8.count)
        detail.field("type", type(for: status))
        detail.field("message", message)
        var object = JSONObjectWriter(capacity: 96 + message.utf8.count)
        object.field("type", "error")
        object.field("error", object: detail)
        return object.finished()
    }

    /// The same object as a stream's last event, which the Anthropic SDKs raise.
    package static func event(message: String, status: Int = 500) -> [UInt8] {
        Array("event: error\ndata: ".utf8) + body(message: message, status: status) + Array("\n\n".utf8)
    }

    package static func type(for status: Int) -> String {
        switch status {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 503, 529: "overloaded_error"
        case 400..<500: "invalid_request_error"
        default: "api_error"
        }
    }
}
