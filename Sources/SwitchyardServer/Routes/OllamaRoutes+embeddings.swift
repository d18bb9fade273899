import AsyncHTTPClient
import Hummingbird
import NIOCore
import NIOHTTP1
import SwitchyardCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension OllamaRoutes {
    @Sendable func embed(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let embed = try await request.decodeBody(OllamaEmbedRequest.self, limit: configuration.maximumBodySize)
        let (model, start) = try await use(embed.model, keepAlive: embed.keepAlive, context: context)
        guard !embed.input.isEmpty else { return try JSONResponse.ok(OllamaEmbedResponse(model: embed.model, embeddings: [])) }
        let translated = OllamaToOpenAI.embed(embed, upstreamModel: model.id)
        var headers = HTTPFields()
        UntranslatedFields.report(translated.untranslated, into: &headers, logger: context.logger)
        let vectors = try await embeddings(translated, request: request, context: context)
        let reply = OpenAIToOllama.embed(vectors, model: embed.model, totalDuration: Timestamp.now().nanoseconds(since: start))
        return try JSONResponse.ok(reply, headers: headers)
    }

    @Sendable func embeddings(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let legacy = try await request.decodeBody(OllamaEmbeddingsRequest.self, limit: configuration.maximumBodySize)
        let (model, _) = try await use(legacy.model, keepAlive: legacy.keepAlive, context: context)
        guard !legacy.prompt.isEmpty else { return try JSONResponse.ok(OllamaEmbeddingsResponse(embedding: [])) }
        let translated = OllamaToOpenAI.embeddings(legacy, upstreamModel: model.id)
        var headers = HTTPFields()
        UntranslatedFields.report(translated.untranslated, into: &headers, logger: context.logger)
        return try JSONResponse.ok(OpenAIToOllama.embeddings(try await embeddings(translated, request: request, context: context)), headers: headers)
    }

    private func embeddings(_ translated: TranslatedRequest, request: Request, context: Context) async throws -> OpenAIEmbeddingsResponse {
        let client = registry.upstream(for: context).client
        let response = try await client.post(
            "/v1/embeddings", json: translated.body, headers: client.clientCredentials(request.headers), logger: context.logger)
        return try await client.decode(OpenAIEmbeddingsResponse.self, from: response)
    }
}
