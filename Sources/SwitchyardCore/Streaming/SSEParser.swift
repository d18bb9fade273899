#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One dispatched server-sent event.
public struct SSEEvent: Sendable, Equatable {
    /// The `event:` field; `nil` means the default type, `message`.
    public var event: String?
    /// The `data:` fields joined by `\n`.
    public var data: String
    public var id: String?

    public init(event: String? = nil, data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }

    /// OpenAI-style streams end with this sentinel instead of closing on their own.
    public var isDone: Bool { data == "[DONE]" }
}

/// Parses a `text/event-stream` incrementally, as the WHATWG event-stream rules describe.
///
/// A value-type state machine: `feed` returns the events the new bytes completed (or hands each
/// to a closure with its data in place, the translators' hot path); `finish` flushes an event
/// whose blank line never came (a stream cut after its last `data:` line is still worth
/// delivering to a translator). Lines end at CRLF, LF or a lone CR, including a CR at the end of
/// one chunk and its LF at the start of the next. Comment lines (`:` pings) are skipped. Text is
/// decoded only from complete lines, so split UTF-8 sequences are harmless.
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var lastByteWasCR = false
    /// The event's `data:` lines so far, joined by `\n`; kept as bytes, so a translator reads
    /// them in place and no `String` is made per event.
    private var data: [UInt8] = []
    private var hasData = false
    private var event: String?
    private var id: String?
    public let maximumEventSize: Int
    private var eventSize = 0

    public enum ParseError: Error, Equatable {
        case eventTooLarge(limit: Int)
    }

    /// A dispatched event as the parser holds it: `data` is valid only during the call that
    /// receives the view.
    public struct EventView {
        public let event: String?
        public let id: String?
        public let data: UnsafeBufferPointer<UInt8>

        /// OpenAI-style streams end with this sentinel instead of closing on their own.
        public var isDone: Bool { data.elementsEqual("[DONE]".utf8) }
    }

    /// An upstream's event past this is a fault, not something to buffer: every translated
    /// stream holds at most one unfinished event, so this bounds a stream's memory. Token
    /// chunks are tens of bytes; a whole tool call in one chunk can be large, hence megabytes.
    public static let defaultMaximumEventSize = 2 * 1024 * 1024

    public init(maximumEventSize: Int = SSEParser.defaultMaximumEventSize) {
        self.maximumEventSize = maximumEventSize
    }

    /// The events the new bytes completed.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws(ParseError) -> [SSEEvent] {
        var events: [SSEEvent] = []
        try feed(bytes) { events.append(SSEEvent($0)) }
        return events
    }

    /// Hands each event the new bytes completed to `each`, without copying its data out.
    public mutating func feed(_ bytes: some Collection<UInt8>, each: (borrowing EventView) -> Void) throws(ParseError) {
        // Walk contiguous memory: iterating a generic collection from another module is not
        // specialised, and costs an allocation per byte.
        let result =
            bytes.withContiguousStorageIfAvailable { buffer in
                Result { () throws(ParseError) in try self.feed(contiguous: buffer, each: each) }
            }
            ?? Array(bytes).withUnsafeBufferPointer { buffer in
                Result { () throws(ParseError) in try self.feed(contiguous: buffer, each: each) }
            }
        try result.get()
    }

    private mutating func feed(contiguous bytes: UnsafeBufferPointer<UInt8>, each: (borrowing EventView) -> Void) throws(ParseError) {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                index += 1
                if byte == UInt8(ascii: "\n"), lastByteWasCR {
                    lastByteWasCR = false  // second half of a CRLF already handled at the CR
                    continue
                }
                lastByteWasCR = byte == UInt8(ascii: "\r")
                endLine(each)
                continue
            }
            // A run of line content: found with memchr, and read in place when the whole line is
            // in this buffer (the usual case), else kept until its end arrives.
            lastByteWasCR = false
            let end = Self.lineEnd(in: bytes, from: index)
            eventSize += end - index
            if eventSize > maximumEventSize {
                reset()
                throw .eventTooLarge(limit: maximumEventSize)
            }
            if line.isEmpty, end < bytes.count {
                lastByteWasCR = bytes[end] == UInt8(ascii: "\r")
                endLine(UnsafeBufferPointer(rebasing: bytes[index..<end]), each)
                index = end + 1
                continue
            }
            line.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end]))
            index = end
        }
    }

    /// Flushes an event whose blank line never came.
    public mutating func finish() -> [SSEEvent] {
        var events: [SSEEvent] = []
        finish { events.append(SSEEvent($0)) }
        return events
    }

    public mutating func finish(each: (borrowing EventView) -> Void) {
        if !line.isEmpty { endLine(each) }
        dispatch(each)
        reset()
    }

    /// The index of the first CR or LF at or after `start`, or the end of `bytes`.
    private static func lineEnd(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let base = bytes.baseAddress else { return bytes.count }
        let origin = UnsafeRawPointer(base)
        var end = bytes.count
        if let lf = memchr(origin + start, Int32(UInt8(ascii: "\n")), end - start) { end = origin.distance(to: UnsafeRawPointer(lf)) }
        if let cr = memchr(origin + start, Int32(UInt8(ascii: "\r")), end - start) { end = origin.distance(to: UnsafeRawPointer(cr)) }
        return end
    }

    /// Ends the line collected in `line`.
    private mutating func endLine(_ each: (borrowing EventView) -> Void) {
        var collected: [UInt8] = []
        swap(&collected, &line)
        collected.withUnsafeBufferPointer { endLine($0, each) }
        collected.removeAll(keepingCapacity: true)
        swap(&collected, &line)
    }

    private mutating func endLine(_ line: UnsafeBufferPointer<UInt8>, _ each: (borrowing EventView) -> Void) {
        if line.isEmpty { return dispatch(each) }
        if line.first == UInt8(ascii: ":") { return }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        let name = UnsafeBufferPointer(rebasing: line[..<colon])
        var valueStart = colon < line.endIndex ? colon + 1 : colon
        if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = UnsafeBufferPointer(rebasing: line[valueStart...])
        if name.elementsEqual("data".utf8) {
            if hasData { data.append(UInt8(ascii: "\n")) }
            data.append(contentsOf: value)
            hasData = true
        } else if name.elementsEqual("event".utf8) {
            event = String(decoding: value, as: UTF8.self)
        } else if name.elementsEqual("id".utf8) {
            id = String(decoding: value, as: UTF8.self)
        }  // `retry` and unknown fields do not matter to a proxy
    }

    private mutating func dispatch(_ each: (borrowing EventView) -> Void) {
        if hasData {
            data.withUnsafeBufferPointer { each(EventView(event: event, id: id, data: $0)) }
        }
        data.removeAll(keepingCapacity: true)
        hasData = false
        event = nil
        eventSize = 0
    }

    private mutating func reset() {
        line.removeAll()
        data.removeAll()
        hasData = false
        event = nil
        eventSize = 0
        lastByteWasCR = false
    }
}

extension SSEEvent {
    init(_ view: borrowing SSEParser.EventView) {
        self.init(event: view.event, data: String(decoding: view.data, as: UTF8.self), id: view.id)
    }
}
