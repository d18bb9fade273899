#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import SwitchyardCore

extension OllamaRoutes {
    @Sendable func chat(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let chat = try await decode(OllamaChatRequest.self, &request)
        let (model, start) = try await use(chat.parameters.model, keepAlive: chat.parameters.keepAlive)
        if chat.messages.isEmpty { return loadReply(.chat, chat.parameters, at: start) }
        let translated = try OllamaToOpenAI.chat(chat, upstreamModel: model.id)
        return try await complete(translated, kind: .chat, chat.parameters, start: start, request: request, context: context)
    }

    @Sendable func generate(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let generate = try await decode(OllamaGenerateRequest.self, &request)
        let (model, start) = try await use(generate.parameters.model, keepAlive: generate.parameters.keepAlive)
        if generate.prompt.isEmpty && (generate.images ?? []).isEmpty { return loadReply(.generate, generate.parameters, at: start) }
        let translated = try OllamaToOpenAI.generate(generate, upstreamModel: model.id)
        return try await complete(translated, kind: .generate, generate.parameters, start: start, request: request, context: context)
    }

    /// A request with nothing to generate only loads (or, with `keep_alive: 0`, unloads) the
    /// model in Ollama; clients such as Open WebUI use it to manage memory.
    private func loadReply(_ kind: OllamaReplyKind, _ parameters: OllamaGenerationParameters, at time: Timestamp) -> Response {
        JSONResponse.bytes(kind.loadReply(model: parameters.model, at: time, unload: parameters.keepAlive == .duration(nanoseconds: 0)))
    }

    private func complete(
        _ translated: TranslatedRequest, kind: OllamaReplyKind, _ parameters: OllamaGenerationParameters, start: Timestamp,
        request: Request, context: Context
    ) async throws -> Response {
        var headers = HTTPFields()
        report(translated.untranslated, into: &headers, context: context)
        let body = ByteBuffer(bytes: try JSONCoding.encoder().encode(JSONValue.object(translated.body)))
        let response = try await client.execute(.POST, "/v1/chat/completions", body: body, logger: context.logger)
        try await Self.requireSuccess(response, client: client)

        guard parameters.stream else {
            let body = try await UpstreamClient.collect(response, limit: 256 * 1024 * 1024, upstream: client.base)
            guard let completion = try? JSONCoding.decoder().decode(OpenAICompletion.self, from: Data(body.readableBytesView)) else {
                throw RequestError(.badGateway, "upstream \(client.base) sent an unreadable completion")
            }
            if let error = completion.error { throw RequestError(.badGateway, error.message) }
            return JSONResponse.bytes(
                OpenAIToOllama.reply(completion, kind: kind, model: parameters.model, start: start, end: .now()), headers: headers)
        }
        headers[.contentType] = "application/x-ndjson"
        HeaderFilter.markAsStream(&headers)
        let translator = SSEToNDJSONTranslator(kind: kind, model: parameters.model, start: start)
        return Response(
            status: .ok, headers: headers,
            body: StreamRelay.body(
                relaying: response, for: request, upstreamName: client.base, transform: OllamaStreamTransform(translator: translator)))
    }

    /// Logs the fields that could not be translated and names them in a response header.
    func report(_ untranslated: [UntranslatedField], into headers: inout HTTPFields, context: Context) {
        guard !untranslated.isEmpty else { return }
        context.logger.warning("request fields not translated", metadata: ["fields": "\(untranslated.map(\.description).joined(separator: "; "))"])
        headers[HTTPField.Name("X-Switchyard-Untranslated")!] = untranslated.map(\.path).joined(separator: ", ")
    }

    /// Turns an upstream error answer into the same status with the upstream's own message.
    static func requireSuccess(_ response: HTTPClientResponse, client: UpstreamClient) async throws(RequestError) {
        guard response.status.code >= 300 else { return }
        let body = try await UpstreamClient.collect(response, limit: 1024 * 1024, upstream: client.base)
        throw RequestError(.upstream(status: Int(response.status.code)), UpstreamClient.errorMessage(body, status: response.status))
    }
}
