#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Recorded traffic in the repository's `Fixtures/` folder, shared by every test target.
public enum Fixtures {
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    public static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(name)))
    }

    public static func text(_ name: String) throws -> String {
        String(decoding: try bytes(name), as: UTF8.self)
    }
}

/// Feeds `bytes` to a state machine split at `cut`, and at every cut when asked.
public func splits(of bytes: [UInt8]) -> [[[UInt8]]] {
    (0...bytes.count).map { cut in [Array(bytes[..<cut]), Array(bytes[cut...])] }
}
