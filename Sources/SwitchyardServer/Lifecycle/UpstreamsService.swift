import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Owns the upstreams' lives: detects each one's dialect at start-up (so the log says which was
/// chosen; an upstream still down is retried on the first request), reloads the configuration
/// on SIGHUP, and shuts every client down after the HTTP server has drained (services stop in
/// reverse order of start, and the server is started last).
///
/// A reload replaces the upstreams, fallbacks and model overrides. An upstream whose entry and
/// overrides did not change is kept as it is, with its connections and cached model list; a
/// dropped or changed one is retired: it finishes what was routed to it, keeps no connection
/// alive after, and is shut down at exit. A file that does not read is refused with its line
/// and reason, and the running configuration stays. The listen address, the state directory
/// and every flag take a restart.
struct UpstreamsService: Service {
    let registry: UpstreamRegistry
    let configuration: SwitchyardConfiguration
    let reload: (@Sendable () throws(ConfigurationError) -> SwitchyardConfiguration)?
    let logger: Logger

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await detectDialects(of: registry.upstreams) }
            // Trapped even with nothing to reload: SIGHUP's default action would end the process.
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup) { await reloadNow() }
            }
            if reload != nil, let file = configuration.configFile { group.addTask { await watch(file) } }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        // The server has drained: what the processes served is over.
        await registry.processes.stopAll()
        // Those a drain timeout shut down already are left alone.
        for client in registry.clients where !client.drain.isExpired { await client.shutdown() }
    }

    /// Reloads when the file changed and then held still for one look (an editor may write it
    /// in several steps). A look every two seconds is a `stat`: cheap enough to need no
    /// notification API.
    func watch(_ file: String, every interval: Duration = .seconds(2)) async {
        func stamp() -> String {
            let attributes = try? FileManager.default.attributesOfItem(atPath: file)
            let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(modified) \(attributes?[.size] ?? "none") \(attributes?[.systemFileNumber] ?? "none")"
        }
        var loaded = stamp()
        var seen = loaded
        while (try? await Task.sleep(for: interval)) != nil {
            let now = stamp()
            defer { seen = now }
            guard now == seen, now != loaded else { continue }
            loaded = now
            logger.notice("the config file changed; reloading", metadata: ["file": "\(file)"])
            await reloadNow()
        }
    }

    /// Reads the configuration again and puts it in place; whether it did.
    @discardableResult
    func reloadNow() async -> Bool {
        guard let reload else {
            logger.notice("SIGHUP: nothing to reload (no --config file)")
            return false
        }
        let next: SwitchyardConfiguration
        do {
            next = try reload()
        } catch {
            logger.error("configuration not reloaded; the running one stays", metadata: ["reason": "\(error)"])
            return false
        }
        let current = registry.upstreams
        var added: [Upstream] = []
        let overrides = Upstream.overrides(in: next)
        let upstreams = next.upstreamSpecs.map { spec in
            if let same = current.first(where: { $0.spec == spec && $0.overrides == overrides }) { return same }
            let fresh = Upstream(spec: spec, configuration: next, logger: logger)
            added.append(fresh)
            return fresh
        }
        let dropped = registry.replace(with: upstreams, fallbacks: next.modelOverrides.mapValues(\.fallback))
        for upstream in dropped { await upstream.client.retire() }
        await registry.processes.reloaded(current: upstreams, retired: dropped)
        logger.notice(
            "configuration reloaded",
            metadata: [
                "upstreams": "\(upstreams.map(\.name).joined(separator: ","))", "added": "\(added.map(\.name).joined(separator: ","))",
                "retired": "\(dropped.map(\.name).joined(separator: ","))",
            ])
        for (what, old, new) in [
            ("listen", "\(configuration.listen)", "\(next.listen)"),
            ("state directory", configuration.stateDirectory ?? "", next.stateDirectory ?? ""),
        ] where old != new {
            logger.warning("a changed \(what) takes a restart; still \(old)")
        }
        await detectDialects(of: added)
        return true
    }

    /// Asks each upstream its dialect now, so the log says which was chosen. One Switchyard
    /// starts is not running yet: its dialect is the configured one.
    private func detectDialects(of upstreams: [Upstream]) async {
        await withDiscardingTaskGroup { group in
            for upstream in upstreams where upstream.spec.command == nil { group.addTask { _ = await upstream.dialect.current() } }
        }
    }
}
