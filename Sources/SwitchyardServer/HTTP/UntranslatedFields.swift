import HTTPTypes
import Logging
import SwitchyardCore

/// What a translation could not carry over is never dropped in silence: it is logged, and the
/// response names the fields in `X-Switchyard-Untranslated`.
enum UntranslatedFields {
    static let header = HTTPField.Name("X-Switchyard-Untranslated")!

    /// Logs the fields and names them in the header, after any a handler named already (a
    /// derived model's settings are reported on top of the translation's).
    static func report(_ untranslated: [UntranslatedField], into headers: inout HTTPFields, logger: Logger) {
        guard !untranslated.isEmpty else { return }
        logger.warning("request fields not translated", metadata: ["fields": "\(untranslated.map(\.description).joined(separator: "; "))"])
        let paths = untranslated.map(\.path).joined(separator: ", ")
        headers[header] = headers[header].map { $0 + ", " + paths } ?? paths
    }
}
