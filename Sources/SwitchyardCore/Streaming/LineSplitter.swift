/// Splits a byte stream into lines, whatever the chunking.
///
/// A value-type state machine: `feed` takes the bytes that arrived and returns the lines they
/// completed; `finish` returns a last line that had no terminator. Lines end at `\n`, and a
/// `\r` just before it is dropped, so `\r\n` split across two chunks is still one terminator.
/// Bytes are never decoded here, so a chunk boundary inside a UTF-8 sequence is harmless.
public struct LineSplitter: Sendable {
    private var pending: [UInt8] = []
    /// Lines longer than this are an upstream fault, not something to buffer forever.
    public let maximumLineLength: Int

    public init(maximumLineLength: Int = 64 * 1024 * 1024) {
        self.maximumLineLength = maximumLineLength
    }

    public enum SplitError: Error, Equatable {
        case lineTooLong(limit: Int)
    }

    /// Feeds the bytes that arrived; returns the lines they completed, without terminators.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(SplitError) -> [[UInt8]] {
        // Walk contiguous memory: iterating a generic collection from another module is not
        // specialised, and costs an allocation per byte.
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(SplitError) in try self.feed(contiguous: buffer) }
        } ?? Array(bytes).withUnsafeBufferPointer { buffer in
            Result { () throws(SplitError) in try self.feed(contiguous: buffer) }
        }
        return try result.get()
    }

    private mutating func feed(contiguous bytes: UnsafeBufferPointer<UInt8>) throws(SplitError) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var start = 0
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            if pending.isEmpty {
                lines.append(Self.trimmingCR(Array(bytes[start..<newline])))
            } else {
                pending.append(contentsOf: bytes[start..<newline])
                lines.append(Self.trimmingCR(pending))
                pending.removeAll(keepingCapacity: true)
            }
            start = newline + 1
        }
        pending.append(contentsOf: bytes[start...])
        if pending.count > maximumLineLength {
            pending.removeAll()
            throw .lineTooLong(limit: maximumLineLength)
        }
        return lines
    }

    /// Ends the stream: the bytes after the last terminator, if any, are the last line.
    public mutating func finish() -> [[UInt8]] {
        defer { pending.removeAll() }
        return pending.isEmpty ? [] : [Self.trimmingCR(pending)]
    }

    private static func trimmingCR(_ line: [UInt8]) -> [UInt8] {
        line.last == UInt8(ascii: "\r") ? Array(line.dropLast()) : line
    }
}
