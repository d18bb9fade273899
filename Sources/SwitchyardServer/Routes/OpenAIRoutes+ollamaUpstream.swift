import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import SwitchyardCore

/// The OpenAI surface translated to an Ollama upstream's native API.
extension OpenAIRoutes {
    @Sendable func chat(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let chat = try await request.decodeBody(OpenAIChatRequest.self, limit: maximumBodySize)
        let translated = try OpenAIToOllama.chat(chat)
        return try await generate(translated, path: "/api/chat", kind: .chat, chat.parameters, request: request, context: context)
    }

    @Sendable func completion(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let completion = try await request.decodeBody(OpenAICompletionRequest.self, limit: maximumBodySize)
        let translated = try OpenAIToOllama.completion(completion)
        return try await generate(translated, path: "/api/generate", kind: .completion, completion.parameters, request: request, context: context)
    }

    private func generate(
        _ translated: TranslatedRequest, path: String, kind: NDJSONToSSETranslator.Kind, _ parameters: OpenAIGenerationParameters,
        request: Request, context: Context
    ) async throws -> Response {
        RequestTrace.record {
            $0.model = parameters.model
            $0.translation = "openai→ollama"
        }
        var headers = HTTPFields()
        UntranslatedFields.report(translated.untranslated, into: &headers, logger: context.logger)
        let client = registry.upstream(for: context).client
        let response = try await client.post(path, json: translated.body, headers: client.clientCredentials(request.headers), logger: context.logger)
        let id = Self.responseID(prefix: kind == .chat ? "chatcmpl-" : "cmpl-")
        let created = Timestamp.now().unixNanoseconds / 1_000_000_000
        guard parameters.stream else {
            let reply = try await client.decode(OllamaReplyChunk.self, from: response)
            if let error = reply.error { throw RequestError(.badGateway, error) }
            RequestTrace.record {
                $0.promptTokens = reply.promptEvalCount.validCount
                $0.completionTokens = reply.evalCount.validCount
            }
            let body =
                kind == .chat
                ? OllamaToOpenAI.chatCompletion(reply, model: parameters.model, id: id, created: created)
                : OllamaToOpenAI.textCompletion(reply, model: parameters.model, id: id, created: created)
            return JSONResponse.bytes(body, headers: headers)
        }
        headers[.contentType] = "text/event-stream"
        HeaderFilter.markAsStream(&headers)
        let translator = NDJSONToSSETranslator(kind: kind, model: parameters.model, id: id, created: created, includeUsage: parameters.includeUsage)
        return Response(
            status: .ok, headers: headers,
            body: StreamRelay.body(relaying: response, for: request, from: client, transform: OpenAIStreamTransform(translator: translator)))
    }

    @Sendable func embeddings(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let embeddings = try await request.decodeBody(OpenAIEmbeddingsRequest.self, limit: maximumBodySize)
        let translated = OpenAIToOllama.embeddings(embeddings)
        RequestTrace.record {
            $0.model = embeddings.model
            $0.translation = "openai→ollama"
        }
        var headers = HTTPFields()
        UntranslatedFields.report(translated.untranslated, into: &headers, logger: context.logger)
        let client = registry.upstream(for: context).client
        let response = try await client.post(
            "/api/embed", json: translated.body, headers: client.clientCredentials(request.headers), logger: context.logger)
        let reply = try await client.decode(OllamaEmbedReply.self, from: response)
        return JSONResponse.bytes(
            OllamaToOpenAI.embeddings(reply.embeddings, promptTokens: reply.promptEvalCount, model: embeddings.model, encoding: embeddings.encoding),
            headers: headers)
    }

    @Sendable func models(_ request: Request, context: Context) async throws -> Response {
        JSONResponse.bytes(OllamaToOpenAI.modelList(try await ollamaTags(context: context).map { ($0.model ?? $0.name ?? "", $0.modifiedAt) }))
    }

    /// The Ollama upstream's models, from `/api/tags`.
    func ollamaTags(context: Context) async throws(RequestError) -> [OllamaTagsReply.Model] {
        let client = registry.primary.client
        let response = try await client.execute(.GET, "/api/tags", logger: context.logger)
        try await client.requireSuccess(response)
        return try await client.decode(OllamaTagsReply.self, from: response).models
    }

    @Sendable func model(_ request: Request, context: Context) async throws -> Response {
        let id = Self.modelID(request)
        let client = registry.primary.client
        let response = try await client.post(
            "/api/show", json: ["model": .string(id)], headers: client.clientCredentials(request.headers), logger: context.logger)
        let show = try await client.decode(OllamaShowReply.self, from: response)
        return JSONResponse.bytes(OllamaToOpenAI.modelObject(id: id, modifiedAt: show.modifiedAt))
    }

    /// OpenAI-style response ids: a prefix and 24 random alphanumerics.
    static func responseID(prefix: String) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return prefix + String((0..<24).map { _ in alphabet.randomElement()! })
    }
}

/// An Ollama NDJSON stream rewritten as OpenAI SSE.
struct OpenAIStreamTransform: StreamTransform {
    var translator: NDJSONToSSETranslator

    mutating func feed(_ buffer: ByteBuffer, at time: Timestamp) -> ByteBuffer? { Self.buffer(translator.feed(buffer.readableBytesView)) }
    mutating func finish(at time: Timestamp) -> ByteBuffer? { Self.buffer(translator.finish()) }
    mutating func fail(_ message: String, at time: Timestamp) -> ByteBuffer? { Self.buffer(translator.fail(message)) }
    var usage: (prompt: Int?, completion: Int?)? { translator.usage }

    private static func buffer(_ bytes: [UInt8]) -> ByteBuffer? { bytes.isEmpty ? nil : ByteBuffer(bytes: bytes) }
}
