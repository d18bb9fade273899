#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The coders every translator shares. Default strategies only: custom key strategies cost a
/// dynamic conformance check per container in swift-foundation.
public enum JSONCoding {
    public static func decoder() -> JSONDecoder { JSONDecoder() }

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        // Sorted keys: Foundation keeps no insertion order, and stable output is diffable output.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// JSONDecoder holds a parsed document in memory at about 40 bytes a value before it
    /// decodes anything, so a 100 MB body of `{},{},…` took 1.4 GB: bodies with more values than
    /// any real request (a million: tools, messages, embedding inputs and token arrays together)
    /// are refused before they are parsed. A long prompt or a base64 image is one value.
    public static let maximumRequestValues = 1_000_000

    /// Decodes a request body, turning Foundation's errors into one readable sentence.
    public static func decodeRequest<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(RequestError) -> T {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw RequestError(.badRequest, "missing request body")
        }
        if !JSONValueCount.isWithin(maximumRequestValues, bytes) {
            throw RequestError(.payloadTooLarge, "request body holds more than \(maximumRequestValues) JSON values")
        }
        do {
            return try decoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw RequestError(.badRequest, describe(error))
        } catch let error as RequestError {
            throw error
        } catch {
            throw RequestError(.badRequest, "invalid JSON: \(error)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            var text = ""
            for key in context.codingPath {
                if let index = key.intValue {
                    text += "[\(index)]"
                } else {
                    text += (text.isEmpty ? "" : ".") + key.stringValue
                }
            }
            return text.isEmpty ? "the body" : "'\(text)'"
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "invalid request: \(path(context)) must be \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "invalid request: \(path(context)) must be \(typeName(type)), not null"
        case .keyNotFound(let key, _):
            return "invalid request: '\(key.stringValue)' is required"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return "invalid JSON in request body"
                    + (context.underlyingError.map { ": \(Self.shortDescription($0))" } ?? "")
            }
            return "invalid request: \(path(context)): \(context.debugDescription)"
        @unknown default:
            return "invalid request body"
        }
    }

    private static func shortDescription(_ error: any Error) -> String {
        let text = "\(error)"
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Double.Type, is Float.Type: "a number"
        case is [Any].Type: "an array"
        default:
            "\(type)".hasPrefix("Array") ? "an array" : "\(type)".hasPrefix("Dictionary") ? "an object" : "a valid value"
        }
    }
}

/// Counts a document's values the cheap way — openings of objects and arrays, and commas,
/// outside strings — to bound what parsing it would cost before it is parsed. It runs on every
/// decoded request body, so strings (most of a body: prompts, images) are crossed with memchr
/// rather than byte by byte.
public enum JSONValueCount {
    public static func isWithin(_ limit: Int, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { isWithin(limit, $0) }
    }

    public static func isWithin(_ limit: Int, _ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
        var count = 0
        var index = 0
        while index < buffer.count {
            switch buffer[index] {
            case UInt8(ascii: "\""):
                index = closingQuote(in: buffer, openedAt: index)
            case UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: ","):
                count += 1
                if count > limit { return false }
            default: break
            }
            index += 1
        }
        return true
    }

    /// The index of the quote that closes the string opened at `start` (one preceded by an even
    /// run of backslashes), or the end of the buffer.
    private static func closingQuote(in buffer: UnsafeBufferPointer<UInt8>, openedAt start: Int) -> Int {
        guard let base = buffer.baseAddress else { return buffer.count }
        var from = start + 1
        while from < buffer.count, let found = memchr(base + from, Int32(UInt8(ascii: "\"")), buffer.count - from) {
            let quote = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            var backslashes = 0
            while quote - backslashes - 1 > start, buffer[quote - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 0 { return quote }
            from = quote + 1
        }
        return buffer.count
    }
}

/// Where the bytes of a JSON text fall, read one at a time: inside a string (its quotes and
/// escapes included) or between tokens.
struct JSONTextPosition {
    private var inString = false
    private var escaped = false

    /// Steps over `byte`; true when it lies outside every string.
    mutating func isOutsideStrings(_ byte: UInt8) -> Bool {
        if inString {
            if escaped {
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inString = false
            }
            return false
        }
        if byte == UInt8(ascii: "\"") {
            inString = true
            return false
        }
        return true
    }
}

/// A client error that every surface renders in its own dialect.
public struct RequestError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case badRequest, notFound, payloadTooLarge, headersTooLarge, notImplemented, badGateway, gatewayTimeout
        case upstream(status: Int)
    }

    public var kind: Kind
    public var message: String
    /// The upstream's `Retry-After`, passed on with a 429 or 503 so clients back off as told.
    public var retryAfter: String?

    public init(_ kind: Kind, _ message: String, retryAfter: String? = nil) {
        self.kind = kind
        self.message = message
        self.retryAfter = retryAfter
    }

    public var status: Int {
        switch kind {
        case .badRequest: 400
        case .notFound: 404
        case .payloadTooLarge: 413
        case .headersTooLarge: 431
        case .notImplemented: 501
        case .badGateway: 502
        case .gatewayTimeout: 504
        case .upstream(let status): status
        }
    }

    public var description: String { message }

    /// An upstream refusal as an Ollama client should see it. llama-server answers a request it
    /// cannot serve — images for a model without a projector, tools for a template without
    /// them — with a 500, but the fault is in the request: a 400, as Ollama gives.
    public func forOllamaClient(sentImages: Bool, sentTools: Bool) -> RequestError {
        guard case .upstream(let status) = kind, status == 500 || status == 501 else { return self }
        let text = message.lowercased()
        let aboutImages = sentImages && ["image", "multimodal", "mmproj", "vision"].contains(where: text.contains)
        let aboutTools = sentTools && text.contains("tool")
        guard aboutImages || aboutTools else { return self }
        var error = self
        error.kind = .badRequest
        return error
    }

    public static func modelNotFound(_ name: String) -> RequestError {
        RequestError(.notFound, "model '\(name)' not found")
    }
}
