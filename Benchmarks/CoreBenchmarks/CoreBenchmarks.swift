// Micro-benchmarks of the core's hot paths (ordo-one/benchmark). Run by scripts/bench.sh, or:
//   SWITCHYARD_BENCHMARKS=1 swift package --scratch-path .build-bench benchmark --target CoreBenchmarks
import Benchmark
import Foundation
import SwitchyardCore

let sseChunk = Array(
    (#"data: {"id":"chatcmpl-j94r","object":"chat.completion.chunk","created":1795316921,"model":"tiny","choices":[{"index":0,"delta":{"content":" token"},"finish_reason":null}]}"#
        + "\n\n").utf8)
let ndjsonChunk = Array(
    (#"{"model":"tiny","created_at":"2025-10-26T17:15:24.097767Z","message":{"role":"assistant","content":" token"},"done":false}"# + "\n").utf8)
let at = Timestamp(monotonicNanoseconds: 1, unixNanoseconds: 1_761_498_924_000_000_000)

/// A 12 KB Ollama chat body: a system prompt, a long history, options.
let chatBody: [UInt8] = {
    var messages: [[String: Any]] = [["role": "system", "content": String(repeating: "You are a careful assistant. ", count: 20)]]
    while (try? JSONSerialization.data(withJSONObject: messages))?.count ?? 0 < 11_500 {
        messages.append([
            "role": messages.count % 2 == 0 ? "assistant" : "user", "content": String(repeating: "Tell me more about switchyards. ", count: 6),
        ])
    }
    let body: [String: Any] = [
        "model": "tiny", "messages": messages, "options": ["temperature": 0.2, "num_predict": 128, "top_k": 40, "stop": ["\n\n"]],
    ]
    return Array(try! JSONSerialization.data(withJSONObject: body))
}()

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3), maxIterations: 1_000_000)

    // Per-chunk figures are per chunk of a 1,000-chunk stream (one translator, as in a real one).
    let perChunk = Benchmark.Configuration(scalingFactor: .kilo)

    Benchmark("SSE parse (one chunk)", configuration: perChunk) { benchmark in
        var parser = SSEParser()
        for _ in benchmark.scaledIterations { blackHole(try parser.feed(sseChunk)) }
    }
    Benchmark("OpenAI chunk read (JSONScanner)", configuration: perChunk) { benchmark in
        let json = String(decoding: sseChunk.dropFirst(6).dropLast(2), as: UTF8.self)
        for _ in benchmark.scaledIterations { blackHole(OpenAICompletion.scan(json)) }
    }
    Benchmark("SSE to NDJSON (one chunk)", configuration: perChunk) { benchmark in
        var translator = SSEToNDJSONTranslator(kind: .chat, model: "tiny", start: at)
        for _ in benchmark.scaledIterations { blackHole(translator.feed(sseChunk, at: at)) }
    }
    // The newer surfaces go through reply events; SSE to NDJSON above is their baseline.
    Benchmark("SSE to Anthropic events (one chunk)", configuration: perChunk) { benchmark in
        var translator = ReplyStreamTranslator(decoder: OpenAIReplyDecoder(), encoder: AnthropicStreamEncoder(id: "msg_1", model: "tiny"))
        for _ in benchmark.scaledIterations { blackHole(translator.feed(sseChunk)) }
    }
    Benchmark("SSE to Responses events (one chunk)", configuration: perChunk) { benchmark in
        let echo = ResponsesEcho(id: "resp_1", model: "tiny", createdAt: 1)
        var translator = ReplyStreamTranslator(decoder: OpenAIReplyDecoder(), encoder: ResponsesStreamEncoder(echo: echo))
        for _ in benchmark.scaledIterations { blackHole(translator.feed(sseChunk)) }
    }
    Benchmark("NDJSON to SSE (one chunk)", configuration: perChunk) { benchmark in
        var translator = NDJSONToSSETranslator(kind: .chat, model: "tiny", id: "chatcmpl-1", created: 1, includeUsage: false)
        for _ in benchmark.scaledIterations { blackHole(translator.feed(ndjsonChunk)) }
    }
    Benchmark("Request translation (12 KB Ollama chat body)") { benchmark in
        for _ in benchmark.scaledIterations {
            let request = try JSONCoding.decodeRequest(OllamaChatRequest.self, from: chatBody)
            let translated = try OllamaToOpenAI.chat(request, upstreamModel: "tiny")
            blackHole(JSONValue.object(translated.body).encodedBytes())
        }
    }
}
