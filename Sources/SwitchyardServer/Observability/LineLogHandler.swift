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
import Logging
import SwitchyardCore

/// swift-log handler writing one line per event to standard error, as text for a terminal
/// (`time level label : key=value … [source] message`) or as one JSON object for log shippers
/// (`{"time","level","label","message", …metadata}`).
///
/// Metadata is rendered only when a line is written. swift-log's `StreamLogHandler` renders it
/// whenever it is set, and Hummingbird and AsyncHTTPClient set a request id on every request:
/// that cost 4 % of a proxied request's CPU with no line ever written.
public struct LineLogHandler: LogHandler {
    public enum Format: Sendable { case text, json }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let format: Format
    let output: @Sendable ([UInt8]) -> Void

    public init(
        label: String, level: Logger.Level, format: Format, output: @escaping @Sendable ([UInt8]) -> Void = LineLogHandler.standardError
    ) {
        self.label = label
        self.logLevel = level
        self.format = format
        self.output = output
    }

    /// One write(2) per line: lines from concurrent requests never interleave.
    public static func standardError(_ line: [UInt8]) {
        line.withUnsafeBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let given = event.metadata { merged.merge(given) { $1 } }
        let time = Timestamp.rfc3339(unixNanoseconds: Int64(Date().timeIntervalSince1970 * 1e9))
        switch format {
        case .json:
            var fields = merged.mapValues { JSONValue.string("\($0)") }
            fields["time"] = .string(time)
            fields["level"] = .string(event.level.rawValue)
            fields["label"] = .string(label)
            fields["message"] = .string("\(event.message)")
            guard var line = JSONValue.object(fields).encodedBytes() else { return }
            line.append(UInt8(ascii: "\n"))
            output(line)
        case .text:
            var line = "\(time) \(event.level) \(label) :"
            for key in merged.keys.sorted() { line += " \(key)=\(merged[key]!)" }
            line += " [\(event.source)] \(event.message)\n"
            output(Array(line.utf8))
        }
    }
}
