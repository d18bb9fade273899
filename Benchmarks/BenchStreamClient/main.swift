// Drives streaming requests and measures what a client sees: chunks per second delivered, time
// to the first chunk, errors. Prints one JSON object.
//   BenchStreamClient <url> <json-body> <concurrency> <requests> <sse|ndjson> [ramp-seconds]
// With a ramp, the concurrent streams open spread over that many seconds instead of at once.
// Chunks stamped by BenchUpstream (` ts<µs>`) give each chunk's trip time, upstream to here.
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOPosix

let arguments = CommandLine.arguments
guard arguments.count == 6 || arguments.count == 7, let concurrency = Int(arguments[3]), let total = Int(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: BenchStreamClient <url> <json-body> <concurrency> <requests> <sse|ndjson>\n".utf8))
    exit(64)
}
let url = arguments[1]
let body = arguments[2]
let sse = arguments[5] == "sse"
let ramp = arguments.count == 7 ? Double(arguments[6]) ?? 0 : 0

struct Sample: Sendable {
    var ttfb: Double?
    var total: Double
    var chunks: Int
    var ok: Bool
    /// Each stamped chunk's trip, in seconds.
    var trips: [Double] = []
}

func wallMicroseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
}

/// The stamp after ` ts` in a chunk, if any.
func stamp(in chunk: [UInt8]) -> Int64? {
    let marker: [UInt8] = Array(" ts".utf8)
    guard chunk.count > marker.count else { return nil }
    for start in 0...(chunk.count - marker.count) where chunk[start..<(start + marker.count)].elementsEqual(marker) {
        var value: Int64 = 0
        var index = start + marker.count
        while index < chunk.count, (48...57).contains(chunk[index]) {
            value = value * 10 + Int64(chunk[index] - 48)
            index += 1
        }
        return index > start + marker.count ? value : nil
    }
    return nil
}

var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(30), read: .seconds(120)))
configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = concurrency
configuration.decompression = .disabled
let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)

func one() async -> Sample {
    let start = ContinuousClock.now
    var request = HTTPClientRequest(url: url)
    request.method = .POST
    request.headers.add(name: "content-type", value: "application/json")
    request.body = .bytes(ByteBuffer(string: body))
    do {
        let response = try await client.execute(request, timeout: .seconds(120))
        guard response.status == .ok else {
            _ = try? await response.body.collect(upTo: 1 << 20)
            return Sample(ttfb: nil, total: 0, chunks: 0, ok: false)
        }
        var ttfb: Double?
        var chunks = 0
        var previous: UInt8 = 0
        var current: [UInt8] = []
        var trips: [Double] = []
        // Whether this stream's events carry send stamps (paced streams do), told by its first
        // events (Anthropic and Responses streams open with a few of their own): copying every
        // byte of a fast stream made this client the bottleneck.
        var stamped: Bool?
        var unstamped = 0
        for try await buffer in response.body {
            if ttfb == nil { ttfb = (ContinuousClock.now - start).seconds }
            let arrived = wallMicroseconds()
            for byte in buffer.readableBytesView {
                if stamped != false { current.append(byte) }
                // NDJSON: one chunk per line; SSE: one per blank line ending an event.
                if byte == 10 && (!sse || previous == 10) {
                    chunks += 1
                    let sent = stamped == false ? nil : stamp(in: current)
                    if let sent { trips.append(Double(arrived - sent) / 1e6) }
                    if sent != nil {
                        stamped = true
                    } else if stamped == nil {
                        unstamped += 1
                        if unstamped == 8 { stamped = false }
                    }
                    current.removeAll(keepingCapacity: true)
                }
                previous = byte
            }
        }
        let complete = sse ? true : chunks > 0
        return Sample(ttfb: ttfb, total: (ContinuousClock.now - start).seconds, chunks: chunks, ok: complete, trips: trips)
    } catch {
        return Sample(ttfb: nil, total: 0, chunks: 0, ok: false)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let limit: Int
    init(limit: Int) { self.limit = limit }
    func take() -> Bool {
        lock.withLock {
            next += 1
            return next <= limit
        }
    }
}

let counter = Counter(limit: total)
let started = ContinuousClock.now
let samples = await withTaskGroup(of: [Sample].self) { group in
    for worker in 0..<concurrency {
        group.addTask {
            if ramp > 0 { try? await Task.sleep(for: .seconds(ramp * Double(worker) / Double(concurrency))) }
            var mine: [Sample] = []
            while counter.take() { mine.append(await one()) }
            return mine
        }
    }
    var all: [Sample] = []
    for await part in group { all += part }
    return all
}
let elapsed = (ContinuousClock.now - started).seconds
try await client.shutdown()

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}
let good = samples.filter(\.ok)
let ttfbs = good.compactMap(\.ttfb)
let chunks = good.reduce(0) { $0 + $1.chunks }
let summary: [String: Double] = [
    "requests": Double(samples.count), "errors": Double(samples.count - good.count), "seconds": elapsed,
    "chunks": Double(chunks), "chunks_per_s": Double(chunks) / elapsed, "requests_per_s": Double(good.count) / elapsed,
    "ttfb_p50_ms": percentile(ttfbs, 0.5) * 1000, "ttfb_p99_ms": percentile(ttfbs, 0.99) * 1000,
    "total_p50_ms": percentile(good.map(\.total), 0.5) * 1000, "total_p99_ms": percentile(good.map(\.total), 0.99) * 1000,
    "chunk_trip_p50_ms": percentile(good.flatMap(\.trips), 0.5) * 1000, "chunk_trip_p99_ms": percentile(good.flatMap(\.trips), 0.99) * 1000,
]
print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self))
