import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOCore
import SwitchyardCore

/// Carries a chat that a surface translated into OpenAI chat-completions form to the upstream,
/// in whichever dialect it speaks (an Ollama upstream gets it translated on to `/api/chat`),
/// and reads the answer back as reply events: whole, or as a stream for a surface's encoder.
struct ChatBridge: Sendable {
    let client: UpstreamClient
    let dialect: DialectResolver

    struct Sent {
        var response: UpstreamResponse
        var dialect: UpstreamDialect
    }

    /// Sends the chat; the fields no dialect on the way could carry are named in `headers` and the log.
    func send(
        _ translated: TranslatedRequest, surface: String, request: Request, context: some RequestContext, headers: inout HTTPFields
    ) async throws(RequestError) -> Sent {
        let dialect = await dialect.current()
        var notes = translated.untranslated
        let response: UpstreamResponse
        switch dialect {
        case .openAI:
            RequestTrace.record { $0.translation = "\(surface)→openai" }
            response = try await client.post(
                "/v1/chat/completions", json: translated.body, headers: client.clientCredentials(request.headers), logger: context.logger)
        case .ollama:
            RequestTrace.record { $0.translation = "\(surface)→ollama" }
            guard let bytes = JSONValue.object(translated.body).encodedBytes() else {
                throw RequestError(.badRequest, "the request holds a number JSON cannot carry")
            }
            let native = try OpenAIToOllama.chat(try JSONCoding.decodeRequest(OpenAIChatRequest.self, from: bytes))
            notes += native.untranslated
            response = try await client.post(
                "/api/chat", json: native.body, headers: client.clientCredentials(request.headers), logger: context.logger)
        }
        UntranslatedFields.report(notes, into: &headers, logger: context.logger)
        return Sent(response: response, dialect: dialect)
    }

    /// The events of a whole (non-streamed) answer.
    func events(of sent: Sent) async throws(RequestError) -> [ReplyEvent] {
        let events =
            switch sent.dialect {
            case .openAI: OpenAIReplyDecoder.events(whole: try await client.decode(OpenAICompletion.self, from: sent.response))
            case .ollama: OllamaReplyDecoder.events(whole: try await client.decode(OllamaReplyChunk.self, from: sent.response))
            }
        for case .usage(let prompt, let completion) in events {
            RequestTrace.record {
                $0.promptTokens = prompt
                $0.completionTokens = completion
            }
        }
        return events
    }

    /// A streamed answer rewritten by `encoder`, as an SSE response.
    func stream(_ sent: Sent, encoder: some ReplyEventEncoder, request: Request, headers: HTTPFields) -> Response {
        var headers = headers
        headers[.contentType] = "text/event-stream"
        HeaderFilter.markAsStream(&headers)
        let body =
            switch sent.dialect {
            case .openAI:
                StreamRelay.body(
                    relaying: sent.response, for: request, from: client,
                    transform: ReplyEventTransform(translator: ReplyStreamTranslator(decoder: OpenAIReplyDecoder(), encoder: encoder)))
            case .ollama:
                StreamRelay.body(
                    relaying: sent.response, for: request, from: client,
                    transform: ReplyEventTransform(translator: ReplyStreamTranslator(decoder: OllamaReplyDecoder(), encoder: encoder)))
            }
        return Response(status: .ok, headers: headers, body: body)
    }
}
