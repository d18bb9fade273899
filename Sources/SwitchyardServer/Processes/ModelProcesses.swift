import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import SwitchyardCore

#if canImport(Glibc)
    import Glibc
#endif

/// The upstreams Switchyard starts on demand (a `command` in the config file), as Ollama loads
/// models: nothing runs at first; the first request for a model starts its process and waits
/// until it is ready (concurrent requests share the one start); after its keep-alive with no
/// request the process is stopped; over `max_loaded` the least recently used idle one is
/// stopped first, and a model with requests in flight never is.
///
/// One actor holds every process's phase, so starts, stops and the count against
/// `max_loaded` cannot race. What takes time (spawning, waiting for readiness, stopping) runs
/// in tasks that report back here.
actor ModelProcesses {
    struct Settings: Sendable {
        var maxLoaded: Int
        var keepAlive: KeepAlive
        var stopGrace: Duration
        var firstBackoff: Duration
        /// Each process's output goes to `<directory>/<upstream>.log`.
        var logDirectory: String
    }

    private enum Phase {
        case stopped
        case starting(Task<Void, any Error>)
        case running(ChildProcess)
        case stopping(Task<Void, Never>)
    }

    private struct Entry {
        let upstream: Upstream
        let command: ProcessCommand
        var phase = Phase.stopped
        var inFlight = 0
        var lastUsed = ContinuousClock.now
        /// What the last request asked (Ollama's rule: each request sets it anew).
        var keepAlive: KeepAlive
        /// When an idle process is stopped; nil while busy or kept for ever.
        var expiresAt: ContinuousClock.Instant?
        /// Invalidates the idle timers set before.
        var generation = 0
        /// The one idle timer, cancelled when a request comes or a new one is set: a busy model
        /// must not pile up a sleeping task per request.
        var idleTimer: Task<Void, Never>?
        /// The process being started, so a shutdown meanwhile can kill it.
        var starting: ChildProcess?
        var consecutiveFailures = 0
        var retryAt: ContinuousClock.Instant?
        var lastFailure: String?
        var startedAt: ContinuousClock.Instant?
        /// Dropped by a reload: stopped once idle, then forgotten.
        var retired = false

        var isActive: Bool {
            if case .stopped = phase { return false }
            return true
        }
    }

    private let settings: Settings
    private let logger: Logger
    private let metrics: SwitchyardMetrics?
    private var entries: [ObjectIdentifier: Entry] = [:]

    init(_ upstreams: [Upstream], settings: Settings, logger: Logger, metrics: SwitchyardMetrics?) {
        self.settings = settings
        self.logger = logger
        self.metrics = metrics
        for upstream in upstreams {
            if let command = upstream.spec.command {
                entries[ObjectIdentifier(upstream)] = Entry(upstream: upstream, command: command, keepAlive: settings.keepAlive)
            }
        }
        if !entries.isEmpty, ChildProcess.prefix.isEmpty {
            logger.warning("setpriv (util-linux) is not in PATH: a Switchyard killed with SIGKILL would leave the processes it started running")
        }
    }

    private func adoptNow(_ upstream: Upstream) {
        guard let command = upstream.spec.command, entries[ObjectIdentifier(upstream)] == nil else { return }
        entries[ObjectIdentifier(upstream)] = Entry(upstream: upstream, command: command, keepAlive: settings.keepAlive)
    }

    /// After a reload: the new upstreams with a command are known; the dropped ones stop once
    /// their requests are over.
    func reloaded(current: [Upstream], retired: [Upstream]) {
        for upstream in current { adoptNow(upstream) }
        for upstream in retired {
            let key = ObjectIdentifier(upstream)
            guard entries[key] != nil else { continue }
            entries[key]?.retired = true
            if entries[key]?.inFlight == 0 { stopOrForget(key, reason: "reload") }
        }
    }

    // MARK: Requests

    /// Makes sure the upstream's process runs and counts a request in flight on it; `release`
    /// ends it. Throws a 503 when it cannot start, or cannot get a place under `max_loaded`
    /// within its start timeout.
    func acquire(_ upstream: Upstream) async throws(RequestError) {
        let key = ObjectIdentifier(upstream)
        guard let command = entries[key]?.command else { return }
        let deadline = ContinuousClock.now + command.startTimeout
        while true {
            guard let entry = entries[key], !entry.retired else {
                throw RequestError(.upstream(status: 503), "upstream '\(upstream.name)' was removed from the configuration")
            }
            switch entry.phase {
            case .running:
                entries[key]?.inFlight += 1
                entries[key]?.expiresAt = nil
                entries[key]?.generation += 1
                entries[key]?.idleTimer?.cancel()
                entries[key]?.idleTimer = nil
                return
            case .starting(let task):
                do {
                    try await task.value
                } catch let error as RequestError {
                    throw error
                } catch {
                    throw RequestError(.upstream(status: 503), "upstream '\(upstream.name)' did not start: \(error)")
                }
            case .stopping(let task):
                await task.value
            case .stopped:
                if let retryAt = entry.retryAt, ContinuousClock.now < retryAt {
                    let seconds = max(1, Int((retryAt - ContinuousClock.now).components.seconds))
                    throw RequestError(
                        .upstream(status: 503),
                        "upstream '\(upstream.name)' failed to run (\(entry.lastFailure ?? "unknown")); next try in \(seconds) s",
                        retryAfter: String(seconds))
                }
                if entries.values.filter(\.isActive).count >= settings.maxLoaded {
                    if let victim = leastRecentlyUsedIdle() {
                        beginStop(victim, reason: "evicted")
                        if case .stopping(let task)? = entries[victim]?.phase { await task.value }
                        continue
                    }
                    guard ContinuousClock.now < deadline, !Task.isCancelled else {
                        throw RequestError(
                            .upstream(status: 503),
                            "all \(settings.maxLoaded) loaded models (max_loaded) are busy; '\(upstream.name)' could not be started within \(command.startTimeout)",
                            retryAfter: "5")
                    }
                    try? await Task.sleep(for: .milliseconds(50))
                    continue
                }
                beginStart(key)
            }
        }
    }

    /// A request on the upstream is over; `keepAlive` is what it asked (nil: the default).
    func release(_ upstream: Upstream, keepAlive: KeepAlive?) {
        let key = ObjectIdentifier(upstream)
        guard var entry = entries[key] else { return }
        entry.inFlight = max(0, entry.inFlight - 1)
        entry.lastUsed = .now
        entry.keepAlive = keepAlive ?? settings.keepAlive
        entries[key] = entry
        if entry.inFlight == 0 { becameIdle(key) }
    }

    /// `keep_alive: 0` with nothing to generate: stops the process now if it is idle, else
    /// once its requests are over. Nothing starts.
    func unload(_ upstream: Upstream) async {
        let key = ObjectIdentifier(upstream)
        guard entries[key] != nil else { return }
        entries[key]?.keepAlive = .duration(nanoseconds: 0)
        guard case .running = entries[key]?.phase, entries[key]?.inFlight == 0 else { return }
        beginStop(key, reason: "request")
        if case .stopping(let task)? = entries[key]?.phase { await task.value }
    }

    /// What `/api/ps` shows: each running process's upstream, and when it will be stopped
    /// (nil: never); one in use is shown with its keep-alive from now.
    func running() -> [(upstream: Upstream, expiresIn: Duration?)] {
        entries.values.compactMap { entry in
            guard case .running = entry.phase else { return nil }
            let expiresIn: Duration?
            if let expiresAt = entry.expiresAt {
                expiresIn = expiresAt - .now
            } else if case .duration(let nanoseconds) = entry.keepAlive {
                expiresIn = .nanoseconds(nanoseconds)
            } else {
                expiresIn = nil
            }
            return (entry.upstream, expiresIn)
        }.sorted { $0.upstream.name < $1.upstream.name }
    }

    /// Stops every process (at shutdown): a start under way is abandoned and its process killed.
    func stopAll() async {
        var waits: [Task<Void, Never>] = []
        var starts: [Task<Void, any Error>] = []
        for key in Array(entries.keys) {
            switch entries[key]?.phase {
            case .starting(let task)?:
                task.cancel()
                starts.append(task)
            case .running?:
                beginStop(key, reason: "shutdown")
                if case .stopping(let task)? = entries[key]?.phase { waits.append(task) }
            case .stopping(let task)?: waits.append(task)
            default: break
            }
        }
        for task in starts { _ = try? await task.value }
        for task in waits { await task.value }
    }

    // MARK: Starting

    private func beginStart(_ key: ObjectIdentifier) {
        entries[key]?.retryAt = nil
        let task = Task { try await self.start(key) }
        entries[key]?.phase = .starting(task)
        updateGauge()
    }

    private func start(_ key: ObjectIdentifier) async throws(RequestError) {
        guard let entry = entries[key] else { return }
        let upstream = entry.upstream
        let command = entry.command
        let program = command.words.first ?? ""
        let output = logFile(for: upstream)
        let began = ContinuousClock.now
        // A port found free may be taken before the process binds it: then one more try, on another.
        for attempt in 1...2 {
            let port: Int
            do {
                port = try await Self.freePort()
            } catch {
                throw failedStart(key, "no free loopback port: \(error)")
            }
            let child = try await launch(key, command: command, port: port, output: output)
            switch await ready(child, upstream: upstream, command: command, since: began) {
            case .ready:
                let took = ContinuousClock.now - began
                await upstream.catalog.learn()
                entries[key]?.starting = nil
                entries[key]?.phase = .running(child)
                entries[key]?.startedAt = .now
                entries[key]?.lastUsed = .now
                metrics?.modelLoaded(upstream: upstream.name, nanoseconds: Self.nanoseconds(took))
                logger.notice(
                    "model process ready",
                    metadata: ["upstream": "\(upstream.name)", "pid": "\(child.pid)", "port": "\(port)", "seconds": "\(Self.seconds(took))"])
                Task { await self.watch(key, child) }
                return
            case .ended(let status) where attempt == 1 && Self.portWasTaken(Self.outputOfThisStart(output)):
                logger.notice(
                    "the port was taken before the model process bound it; trying another",
                    metadata: ["upstream": "\(upstream.name)", "port": "\(port)", "status": "\(status)"])
            case .ended(let status):
                throw failedStart(key, "\(program) ended (\(status)) before it was ready", output: output)
            case .stopped(let reason):
                throw failedStart(key, "\(program) was stopped: \(reason)", output: output)
            }
        }
        throw failedStart(key, "\(program) could not bind a port", output: output)
    }

    /// Points the client at `port` and starts the process there.
    private func launch(_ key: ObjectIdentifier, command: ProcessCommand, port: Int, output: String) async throws(RequestError) -> ChildProcess {
        guard let upstream = entries[key]?.upstream else { throw RequestError(.upstream(status: 503), "the upstream was removed") }
        if command.portInURL {
            do {
                await upstream.client.retarget(try command.url(port: port))
            } catch {
                throw failedStart(key, error.description)
            }
        }
        let arguments = command.arguments(port: port)
        Self.startLog(output, arguments: arguments)
        var environment = ProcessInfo.processInfo.environment
        environment["PORT"] = String(port)
        logger.notice(
            "starting a model process",
            metadata: ["upstream": "\(upstream.name)", "port": "\(port)", "command": "\(arguments.joined(separator: " "))"])
        do {
            let child = try await ChildProcess.start(arguments, environment: environment, output: output)
            entries[key]?.starting = child
            return child
        } catch {
            throw failedStart(key, "cannot run \(arguments.first ?? ""): \(error)")
        }
    }

    private enum Readiness {
        case ready
        case ended(ChildProcess.ExitStatus)
        /// Killed: too slow, or Switchyard is shutting down.
        case stopped(String)
    }

    /// Polls the ready path until it answers 200, the process ends, or the start timeout
    /// (counted from `since`) runs out.
    private func ready(_ child: ChildProcess, upstream: Upstream, command: ProcessCommand, since began: ContinuousClock.Instant) async -> Readiness {
        var path = command.readyPath ?? "/health"
        while true {
            if let status = child.exitStatus { return .ended(status) }
            if Task.isCancelled || ContinuousClock.now - began > command.startTimeout {
                await Self.stop(child, grace: .seconds(1))
                return .stopped(Task.isCancelled ? "Switchyard is shutting down" : "it did not answer 200 on \(path) within \(command.startTimeout)")
            }
            let status = await Self.probe(upstream.client, path, logger: logger)
            if status == 200 { return .ready }
            if status == 404, command.readyPath == nil, path == "/health" { path = "/v1/models" }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// What the process wrote since the last start marker of its log.
    static func outputOfThisStart(_ file: String) -> String {
        let tail = ChildProcess.tail(of: file, lines: 40, bytes: 8192)
        guard let marker = tail.range(of: "--- switchyard: starting", options: .backwards) else { return tail }
        return String(tail[marker.upperBound...])
    }

    /// llama-server's `couldn't bind HTTP server socket`, and what other servers say.
    static func portWasTaken(_ output: String) -> Bool {
        let text = output.lowercased()
        return ["address already in use", "couldn't bind", "could not bind", "failed to bind", "eaddrinuse"].contains { text.contains($0) }
    }

    /// Records a failed start (with the process's last output in the log) and returns the
    /// error its waiting requests get.
    private func failedStart(_ key: ObjectIdentifier, _ reason: String, output: String? = nil) -> RequestError {
        let name = entries[key]?.upstream.name ?? ""
        let tail = output.map { ChildProcess.tail(of: $0) } ?? ""
        logger.error("model process did not start", metadata: ["upstream": "\(name)", "reason": "\(reason)", "output": "\(tail)"])
        entries[key]?.starting = nil
        entries[key]?.phase = .stopped
        failed(key, reason)
        metrics?.modelUnloaded(upstream: name, reason: "start_failed")
        updateGauge()
        return RequestError(.upstream(status: 503), "upstream '\(name)' could not be started: \(reason)")
    }

    /// One failure in a row more: the first is retried by the next request, then with a
    /// back-off that doubles up to a minute.
    private func failed(_ key: ObjectIdentifier, _ reason: String) {
        guard var entry = entries[key] else { return }
        entry.consecutiveFailures = min(entry.consecutiveFailures + 1, 8)
        entry.lastFailure = reason
        if entry.consecutiveFailures >= 2 {
            entry.retryAt = .now + min(.seconds(60), settings.firstBackoff * (1 << (entry.consecutiveFailures - 2)))
        }
        entries[key] = entry
    }

    // MARK: Running and stopping

    private func watch(_ key: ObjectIdentifier, _ child: ChildProcess) async {
        let status = await child.exit()
        guard case .running(let current)? = entries[key]?.phase, current === child, let entry = entries[key] else { return }
        let output = logFile(for: entry.upstream)
        logger.error(
            "model process ended by itself",
            metadata: [
                "upstream": "\(entry.upstream.name)", "status": "\(status)", "in_flight": "\(entry.inFlight)",
                "output": "\(ChildProcess.tail(of: output))",
            ])
        entries[key]?.phase = .stopped
        // A process that ran a good while before it died is not a start that keeps failing.
        if let startedAt = entry.startedAt, ContinuousClock.now - startedAt > .seconds(300) { entries[key]?.consecutiveFailures = 0 }
        failed(key, "it ended with \(status)")
        metrics?.modelUnloaded(upstream: entry.upstream.name, reason: "crashed")
        updateGauge()
        if entry.retired { entries[key] = nil }
    }

    private func becameIdle(_ key: ObjectIdentifier) {
        guard let entry = entries[key] else { return }
        guard case .running = entry.phase else {
            if entry.retired, case .stopped = entry.phase { entries[key] = nil }
            return
        }
        if entry.retired { return beginStop(key, reason: "reload") }
        switch entry.keepAlive {
        case .forever:
            entries[key]?.expiresAt = nil
        case .duration(let nanoseconds) where nanoseconds <= 0:
            beginStop(key, reason: "request")
        case .duration(let nanoseconds):
            let expiresAt = ContinuousClock.now + .nanoseconds(nanoseconds)
            entries[key]?.expiresAt = expiresAt
            entries[key]?.generation += 1
            let generation = entries[key]?.generation ?? 0
            entries[key]?.idleTimer?.cancel()
            entries[key]?.idleTimer = Task {
                guard (try? await Task.sleep(until: expiresAt)) != nil else { return }
                self.idleExpired(key, generation: generation)
            }
        }
    }

    private func idleExpired(_ key: ObjectIdentifier, generation: Int) {
        guard let entry = entries[key], entry.generation == generation, entry.inFlight == 0, case .running = entry.phase else { return }
        beginStop(key, reason: "idle")
    }

    private func leastRecentlyUsedIdle() -> ObjectIdentifier? {
        entries.filter { key, entry in
            guard case .running = entry.phase else { return false }
            return entry.inFlight == 0
        }.min { $0.value.lastUsed < $1.value.lastUsed }?.key
    }

    private func stopOrForget(_ key: ObjectIdentifier, reason: String) {
        switch entries[key]?.phase {
        case .running?: beginStop(key, reason: reason)
        case .stopped?: entries[key] = nil
        default: break
        }
    }

    private func beginStop(_ key: ObjectIdentifier, reason: String) {
        guard case .running(let child)? = entries[key]?.phase, let name = entries[key]?.upstream.name else { return }
        logger.notice("stopping a model process", metadata: ["upstream": "\(name)", "pid": "\(child.pid)", "reason": "\(reason)"])
        let grace = settings.stopGrace
        let task = Task {
            await Self.stop(child, grace: grace)
            self.stopped(key, reason: reason)
        }
        entries[key]?.phase = .stopping(task)
    }

    private func stopped(_ key: ObjectIdentifier, reason: String) {
        guard let entry = entries[key] else { return }
        metrics?.modelUnloaded(upstream: entry.upstream.name, reason: reason)
        if entry.retired {
            entries[key] = nil
        } else {
            entries[key]?.phase = .stopped
            entries[key]?.consecutiveFailures = 0
            entries[key]?.expiresAt = nil
        }
        updateGauge()
    }

    private func updateGauge() { metrics?.modelProcesses(running: entries.values.filter(\.isActive).count) }

    // MARK: Helpers

    /// SIGTERM to the process group, SIGKILL after `grace`; returns once it has ended.
    static func stop(_ child: ChildProcess, grace: Duration) async {
        child.signal(SIGTERM)
        let deadline = ContinuousClock.now + grace
        while child.exitStatus == nil, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if child.exitStatus == nil { child.signal(SIGKILL) }
        _ = await child.exit()
    }

    /// The upstream's answer status to `GET path`, or nil (refused, or nothing within 5 s).
    static func probe(_ client: UpstreamClient, _ path: String, logger: Logger) async -> Int? {
        await withTaskGroup(of: Int?.self) { group in
            group.addTask {
                guard let response = try? await client.execute(.GET, path, logger: logger) else { return nil }
                _ = try? await UpstreamClient.collect(response, limit: 1 << 20, upstream: client.base)
                return Int(response.status.code)
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(5))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// A loopback port nothing listens on now.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        guard port > 0 else { throw ChildProcess.SpawnError(description: "the kernel gave no port") }
        return port
    }

    private func logFile(for upstream: Upstream) -> String { settings.logDirectory + "/\(upstream.name).log" }

    /// Marks a start in the process's log file, which is kept under 16 MiB by moving it
    /// aside (`.1`) when it grows past that.
    static func startLog(_ path: String, arguments: [String]) {
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? UInt64, size > 16 << 20 {
            try? FileManager.default.removeItem(atPath: path + ".1")
            try? FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        }
        let line =
            "--- switchyard: starting \(arguments.joined(separator: " ")) at \(Timestamp.rfc3339(unixNanoseconds: Timestamp.now().unixNanoseconds))\n"
        if let handle = FileHandle(forWritingAtPath: path)
            ?? (FileManager.default.createFile(atPath: path, contents: nil) ? FileHandle(forWritingAtPath: path) : nil)
        {
            _ = try? handle.seekToEnd()
            try? handle.write(contentsOf: Data(line.utf8))
            try? handle.close()
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? (seconds < 0 ? .min : .max) : product.addingSaturated(attoseconds / 1_000_000_000)
    }

    static func seconds(_ duration: Duration) -> String {
        let milliseconds = nanoseconds(duration) / 1_000_000
        return "\(milliseconds / 1000).\(String(milliseconds % 1000 + 1000).dropFirst())"
    }
}
