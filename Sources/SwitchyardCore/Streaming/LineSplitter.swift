/// Splits a byte stream into lines, whatever the chunking.
///
/// A value-type state machine: `feed` takes the bytes that arrived and returns the lines they
/// completed (or hands each to a closure in place, without a copy); `finish` returns a last line
/// that had no terminator. Lines end at `\n`, and a `\r` just before it is dropped, so `\r\n`
/// split across two chunks is still one terminator.
/// Bytes are never decoded here, so a chunk boundary inside a UTF-8 sequence is harmless.
public struct LineSplitter: Sendable {
    private var pending: [UInt8] = []
    /// Lines longer than this are an upstream fault, not something to buffer forever.
    public let maximumLineLength: Int

    /// Larger than SSE's event limit: Ollama's final `/api/generate` line carries the whole
    /// `context` token array, about 7 bytes a token.
    public static let defaultMaximumLineLength = 8 * 1024 * 1024

    public init(maximumLineLength: Int = LineSplitter.defaultMaximumLineLength) {
        self.maximumLineLength = maximumLineLength
    }

    public enum SplitError: Error, Equatable {
        case lineTooLong(limit: Int)
    }

    /// Feeds the bytes that arrived; returns the lines they completed, without terminators.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(SplitError) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        try feed(bytes) { lines.append(Array($0)) }
        return lines
    }

    /// Hands each line the new bytes completed to `each`, in place: the buffer is valid only
    /// during the call.
    public mutating func feed(_ bytes: some Collection<UInt8>, each: (UnsafeBufferPointer<UInt8>) -> Void) throws(SplitError) {
        // Walk contiguous memory: iterating a generic collection from another module is not
        // specialised, and costs an allocation per byte.
        let result =
            bytes.withContiguousStorageIfAvailable { buffer in
                Result { () throws(SplitError) in try self.feed(contiguous: buffer, each: each) }
            }
            ?? Array(bytes).withUnsafeBufferPointer { buffer in
                Result { () throws(SplitError) in try self.feed(contiguous: buffer, each: each) }
            }
        try result.get()
    }

    private mutating func feed(contiguous bytes: UnsafeBufferPointer<UInt8>, each: (UnsafeBufferPointer<UInt8>) -> Void) throws(SplitError) {
        var start = 0
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            if pending.isEmpty {
                each(Self.trimmingCR(UnsafeBufferPointer(rebasing: bytes[start..<newline])))
            } else {
                pending.append(contentsOf: bytes[start..<newline])
                pending.withUnsafeBufferPointer { each(Self.trimmingCR($0)) }
                pending.removeAll(keepingCapacity: true)
            }
            start = newline + 1
        }
        pending.append(contentsOf: bytes[start...])
        if pending.count > maximumLineLength {
            pending.removeAll()
            throw .lineTooLong(limit: maximumLineLength)
        }
    }

    /// Ends the stream: the bytes after the last terminator, if any, are the last line.
    public mutating func finish() -> [[UInt8]] {
        var lines: [[UInt8]] = []
        finish { lines.append(Array($0)) }
        return lines
    }

    public mutating func finish(each: (UnsafeBufferPointer<UInt8>) -> Void) {
        if !pending.isEmpty { pending.withUnsafeBufferPointer { each(Self.trimmingCR($0)) } }
        pending.removeAll()
    }

    private static func trimmingCR(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        line.last == UInt8(ascii: "\r") ? UnsafeBufferPointer(rebasing: line.dropLast()) : line
    }
}
