import HTTPTypes
import Hummingbird

extension Router {
    /// Answers 405 with `Allow` for the methods a known path does not take, as Ollama's router
    /// does, instead of the 404 an unknown path gets. (OPTIONS is left to the CORS middleware.)
    func refuseOtherMethods(on path: RouterPath, allowing allowed: [HTTPRequest.Method]) {
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        for method in [HTTPRequest.Method.get, .head, .post, .put, .delete, .patch] where !allowed.contains(method) {
            on(path, method: method) { request, _ -> Response in
                throw HTTPError(
                    .methodNotAllowed, headers: [.allow: allow], message: "method \(request.method) not allowed on \(request.uri.path); use \(allow)")
            }
        }
    }
}
