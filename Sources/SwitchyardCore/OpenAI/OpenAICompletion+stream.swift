#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Why a stream event carries no usable chunk: the upstream's own `error` event, or bytes that
/// are no chunk. The message is for the client.
struct StreamChunkFailure: Error {
    let message: String
}

extension OpenAICompletion {
    /// The chunk a chat-completion stream event carries: read by the scanner when it has a
    /// common shape, else by `decoder`.
    static func read(_ event: borrowing SSEParser.EventView, decoder: JSONDecoder) -> Result<OpenAICompletion, StreamChunkFailure> {
        if event.event == "error" {
            let message = OpenAIErrorBody.message(in: Array(event.data)) ?? String(String(decoding: event.data, as: UTF8.self).prefix(500))
            return .failure(StreamChunkFailure(message: message))
        }
        if let common = OpenAICompletion.scan(event.data) { return .success(common) }
        // As text first: the decoder refuses invalid UTF-8, which the scanner and the parser
        // have always read with replacement characters.
        let text = String(decoding: event.data, as: UTF8.self)
        guard let chunk = try? decoder.decode(OpenAICompletion.self, from: Data(text.utf8)) else {
            return .failure(StreamChunkFailure(message: "upstream sent a malformed stream chunk: \(text.prefix(200))"))
        }
        return .success(chunk)
    }
}
