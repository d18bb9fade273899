import Logging
import SwitchyardCore

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
            for key in merged.keys.sorted() { line += " \(Self.escaped(key))=\(Self.escaped("\(merged[key]!)"))" }
            line += " [\(event.source)] \(Self.escaped("\(event.message)"))\n"
            output(Array(line.utf8))
        }
    }

    /// Values logged often come from clients (a model name, a path, an upstream's message): a
    /// newline in one would forge a line of its own, and terminal escapes would reach the
    /// operator's terminal. Control characters (C0, DEL, C1) and Unicode line separators are
    /// written as escapes, and so is the backslash that starts them.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\\": out += "\\\\"
            default: out += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return out
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\\" || scalar.value == 0x2028 || scalar.value == 0x2029
    }
}
