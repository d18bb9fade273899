import HTTPTypes
import Logging
import SwitchyardCore

/// What a translation could not carry over is never dropped in silence: it is logged, and the
/// response names the fields in `X-Switchyard-Untranslated`.
enum UntranslatedFields {
    static let header = HTTPField.Name("X-Switchyard-Untranslated")!

    static func report(_ untranslated: [UntranslatedField], into headers: inout HTTPFields, logger: Logger) {
        guard !untranslated.isEmpty else { return }
        logger.warning("request fields not translated", metadata: ["fields": "\(untranslated.map(\.description).joined(separator: "; "))"])
        headers[header] = untranslated.map(\.path).joined(separator: ", ")
    }

    /// Adds to what a handler already reported.
    static func add(_ untranslated: [UntranslatedField], to headers: inout HTTPFields, logger: Logger) {
        guard !untranslated.isEmpty else { return }
        let before = headers[header]
        report(untranslated, into: &headers, logger: logger)
        if let before, let now = headers[header] { headers[header] = before + ", " + now }
    }
}
