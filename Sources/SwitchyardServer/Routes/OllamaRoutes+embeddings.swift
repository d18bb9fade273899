#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AsyncHTTPClient
import Hummingbird
import NIOCore
import NIOHTTP1
import SwitchyardCore

extension OllamaRoutes {
    @Sendable func embed(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let embed = try await decode(OllamaEmbedRequest.self, &request)
        let (model, start) = try await use(embed.model, keepAlive: embed.keepAlive)
        guard !embed.input.isEmpty else { return try JSONResponse.ok(OllamaEmbedResponse(model: embed.model, embeddings: [])) }
        let translated = OllamaToOpenAI.embed(embed, upstreamModel: model.id)
        var headers = HTTPFields()
        report(translated.untranslated, into: &headers, context: context)
        let vectors = try await embeddings(translated, context: context)
        let reply = OpenAIToOllama.embed(vectors, model: embed.model, totalDuration: Timestamp.now().nanoseconds(since: start))
        return try JSONResponse.ok(reply, headers: headers)
    }

    @Sendable func embeddings(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let legacy = try await decode(OllamaEmbeddingsRequest.self, &request)
        let (model, _) = try await use(legacy.model, keepAlive: legacy.keepAlive)
        guard !legacy.prompt.isEmpty else { return try JSONResponse.ok(OllamaEmbeddingsResponse(embedding: [])) }
        let translated = OllamaToOpenAI.embeddings(legacy, upstreamModel: model.id)
        var headers = HTTPFields()
        report(translated.untranslated, into: &headers, context: context)
        return try JSONResponse.ok(OpenAIToOllama.embeddings(try await embeddings(translated, context: context)), headers: headers)
    }

    private func embeddings(_ translated: TranslatedRequest, context: Context) async throws -> OpenAIEmbeddingsResponse {
        let body = ByteBuffer(bytes: try JSONCoding.encoder().encode(JSONValue.object(translated.body)))
        let response = try await client.execute(.POST, "/v1/embeddings", body: body, logger: context.logger)
        try await Self.requireSuccess(response, client: client)
        let answer = try await UpstreamClient.collect(response, limit: 256 * 1024 * 1024, upstream: client.base)
        guard let vectors = try? JSONCoding.decoder().decode(OpenAIEmbeddingsResponse.self, from: Data(answer.readableBytesView)) else {
            throw RequestError(.badGateway, "upstream \(client.base) sent unreadable embeddings")
        }
        return vectors
    }
}
