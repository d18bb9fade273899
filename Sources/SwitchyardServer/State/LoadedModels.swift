import SwitchyardCore
import Synchronization

/// The models used recently, as `/api/ps` reports them. An upstream behind Switchyard loads
/// and unloads on its own terms; what Switchyard can say truthfully is which models its clients
/// used and for how long they asked them to stay (`keep_alive`, default five minutes).
public final class LoadedModels: Sendable {
    private struct Entry {
        var model: UpstreamModelInfo
        /// Unix nanoseconds; nil keeps the model listed for good (a negative `keep_alive`).
        var expiresAt: Int64?
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// Far enough ahead to mean "never" and still parse everywhere (Ollama prints ~292 years).
    static let foreverNanoseconds: Int64 = 200 * 365 * 86_400 * 1_000_000_000

    public init() {}

    /// Records a use of `model`; `keep_alive: 0` removes it, as an unload does in Ollama.
    public func touch(_ model: UpstreamModelInfo, keepAlive: KeepAlive?, nowUnixNanoseconds now: Int64) {
        entries.withLock { entries in
            switch keepAlive ?? .default {
            case .forever:
                entries[model.id] = Entry(model: model, expiresAt: nil)
            case .duration(let nanoseconds) where nanoseconds <= 0:
                entries[model.id] = nil
            case .duration(let nanoseconds):
                // `keep_alive` is the client's: a huge one saturates instead of overflowing.
                entries[model.id] = Entry(model: model, expiresAt: now.addingSaturated(nanoseconds))
            }
        }
    }

    /// The models still within their keep-alive, longest remaining first.
    public func running(nowUnixNanoseconds now: Int64) -> OllamaPSResponse {
        let live = entries.withLock { entries in
            entries = entries.filter { $0.value.expiresAt.map { $0 > now } ?? true }
            return Array(entries.values)
        }
        let sorted = live.sorted { ($0.expiresAt ?? .max, $1.model.id) > ($1.expiresAt ?? .max, $0.model.id) }
        return OllamaPSResponse(
            models: sorted.map { entry in
                entry.model.running(expiresAt: Timestamp.rfc3339(unixNanoseconds: entry.expiresAt ?? now.addingSaturated(Self.foreverNanoseconds)))
            })
    }
}
