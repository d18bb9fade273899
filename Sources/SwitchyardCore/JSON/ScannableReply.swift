/// A reply type `JSONScanner` reads in its common shapes, several times faster than JSONDecoder;
/// `scan` returns nil for anything else, and the caller decodes that with JSONDecoder.
public protocol ScannableReply: Decodable {
    static func scan(_ json: UnsafeBufferPointer<UInt8>) -> Self?
}

extension ScannableReply {
    public static func scan(_ json: [UInt8]) -> Self? {
        json.withUnsafeBufferPointer { scan($0) }
    }

    public static func scan(_ json: String) -> Self? {
        var json = json
        return json.withUTF8 { scan($0) }
    }
}
