import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import SwitchyardCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension OllamaRoutes {
    @Sendable func chat(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let chat = try await request.decodeBody(OllamaChatRequest.self, limit: configuration.maximumBodySize)
        let (model, start) = try await use(chat.parameters.model, keepAlive: chat.parameters.keepAlive, context: context)
        if chat.messages.isEmpty { return loadReply(.chat, chat.parameters, at: start) }
        let translated = try OllamaToOpenAI.chat(chat, upstreamModel: model.id, traits: traits(of: model))
        return try await complete(translated, kind: .chat, chat.parameters, model: model, start: start, request: request, context: context)
    }

    @Sendable func generate(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let generate = try await request.decodeBody(OllamaGenerateRequest.self, limit: configuration.maximumBodySize)
        let (model, start) = try await use(generate.parameters.model, keepAlive: generate.parameters.keepAlive, context: context)
        if generate.prompt.isEmpty && (generate.images ?? []).isEmpty { return loadReply(.generate, generate.parameters, at: start) }
        let translated = try OllamaToOpenAI.generate(generate, upstreamModel: model.id, traits: traits(of: model))
        return try await complete(translated, kind: .generate, generate.parameters, model: model, start: start, request: request, context: context)
    }

    private func traits(of model: UpstreamModelInfo) -> UpstreamTraits {
        UpstreamTraits(
            acceptsTemplateKwargs: model.acceptsTemplateKwargs, defaultToolChoice: configuration.toolChoices[model.ollamaName.lowercased()],
            knownToThink: model.capabilitiesKnown && model.capabilities.contains("thinking"))
    }

    /// A request with nothing to generate only loads (or, with `keep_alive: 0`, unloads) the
    /// model in Ollama; clients such as Open WebUI use it to manage memory.
    private func loadReply(_ kind: OllamaReplyKind, _ parameters: OllamaGenerationParameters, at time: Timestamp) -> Response {
        JSONResponse.bytes(kind.loadReply(model: parameters.model, at: time, unload: parameters.keepAlive == .duration(nanoseconds: 0)))
    }

    private func complete(
        _ translated: TranslatedRequest, kind: OllamaReplyKind, _ parameters: OllamaGenerationParameters, model: UpstreamModelInfo,
        start: Timestamp, request: Request, context: Context
    ) async throws -> Response {
        let sentTools = translated.body["tools"] != nil
        let sentImages = translated.sendsImages
        if let refusal = model.refusal(tools: sentTools, images: sentImages, requestedName: parameters.model) { throw refusal }
        var headers = HTTPFields()
        UntranslatedFields.report(translated.untranslated, into: &headers, logger: context.logger)
        let client = registry.upstream(for: context).client
        let response: UpstreamResponse
        do {
            response = try await client.post(
                translated.endpoint.rawValue, json: translated.body, headers: client.clientCredentials(request.headers), logger: context.logger)
        } catch {
            throw error.forOllamaClient(sentImages: sentImages, sentTools: sentTools)
        }
        guard parameters.stream else {
            let completion = try await client.decode(OpenAICompletion.self, from: response)
            if let error = completion.error { throw RequestError(.badGateway, error.message) }
            RequestTrace.record {
                $0.promptTokens = completion.usage?.promptTokens.validCount
                $0.completionTokens = completion.usage?.completionTokens.validCount
            }
            do {
                let reply = try OpenAIToOllama.reply(
                    completion, kind: kind, model: parameters.model, start: start, end: .now(), showThinking: translated.showThinking)
                return JSONResponse.bytes(reply, headers: headers)
            } catch {
                throw RequestError(.badGateway, error.message)
            }
        }
        headers[.contentType] = "application/x-ndjson"
        HeaderFilter.markAsStream(&headers)
        let translator = SSEToNDJSONTranslator(kind: kind, model: parameters.model, start: start, showThinking: translated.showThinking)
        return Response(
            status: .ok, headers: headers,
            body: StreamRelay.body(
                relaying: response, for: request, from: client, transform: OllamaStreamTransform(translator: translator)))
    }
}
