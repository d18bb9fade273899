#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// OpenAI's error object: `{"error":{"message","type","param","code"}}`.
public enum OpenAIError {
    public static func body(message: String, status: Int) -> [UInt8] {
        struct Envelope: Encodable {
            struct Detail: Encodable {
                var message: String
                var type: String
                var param: String?
                var code: String?

                func encode(to encoder: any Encoder) throws {
                    var c = encoder.container(keyedBy: CodingKeys.self)
                    try c.encode(message, forKey: .message)
                    try c.encode(type, forKey: .type)
                    try c.encode(param, forKey: .param)  // explicit nulls, as OpenAI sends
                    try c.encode(code, forKey: .code)
                }

                enum CodingKeys: String, CodingKey { case message, type, param, code }
            }

            var error: Detail
        }
        let envelope = Envelope(error: .init(message: message, type: type(for: status), param: nil, code: code(for: status, message)))
        return (try? Array(JSONCoding.encoder().encode(envelope))) ?? Array(#"{"error":{"message":"error","type":"api_error"}}"#.utf8)
    }

    public static func type(for status: Int) -> String {
        switch status {
        case 400, 413, 422: "invalid_request_error"
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 429: "rate_limit_error"
        default: "api_error"
        }
    }

    public static func code(for status: Int, _ message: String) -> String? {
        switch status {
        case 404 where message.hasPrefix("model "): "model_not_found"
        case 413: "request_too_large"
        default: nil
        }
    }
}

extension OpenAIError {
    /// The error as a last SSE event: the OpenAI SDKs raise an error from a stream event
    /// whose `error` field is set.
    public static func event(message: String, status: Int = 502) -> [UInt8] {
        Array("data: ".utf8) + body(message: message, status: status) + Array("\n\n".utf8)
    }
}
