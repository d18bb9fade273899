import NIOCore
import SwitchyardCore

/// An upstream stream rewritten for a surface it does not speak, through reply events.
struct ReplyEventTransform<Decoder: ReplyEventDecoder, Encoder: ReplyEventEncoder>: StreamTransform {
    var translator: ReplyStreamTranslator<Decoder, Encoder>

    mutating func feed(_ buffer: ByteBuffer, at time: Timestamp) -> ByteBuffer? { Self.buffer(translator.feed(buffer.readableBytesView)) }
    mutating func finish(at time: Timestamp) -> ByteBuffer? { Self.buffer(translator.finish()) }
    mutating func fail(_ message: String, at time: Timestamp) -> ByteBuffer? { Self.buffer(translator.fail(message)) }
    var usage: (prompt: Int?, completion: Int?)? { translator.usage }

    private static func buffer(_ bytes: [UInt8]) -> ByteBuffer? { bytes.isEmpty ? nil : ByteBuffer(bytes: bytes) }
}
