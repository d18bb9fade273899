/// A reply type `JSONScanner` reads in its common shapes, several times faster than JSONDecoder;
/// `scan` returns nil for anything else, and the caller decodes that with JSONDecoder.
public protocol ScannableReply: Decodable {
    static func scan(_ json: UnsafeBufferPointer<UInt8>) -> Self?
}
