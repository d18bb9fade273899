import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A process Switchyard started, with Foundation's `Process` (which puts it in a process group
/// of its own), and with the kernel's parent-death signal set: util-linux's
/// `setpriv --pdeathsig KILL` runs first and execs it in place, so a child never outlives
/// Switchyard, even one killed with SIGKILL.
///
/// That signal is tied to the *thread* that spawned the child, not the process: each child is
/// therefore spawned from a thread of its own that lives exactly as long as it (a thread of the
/// concurrency pool may end while the child runs, which would kill it). The thread waits on a
/// semaphore, never on an event loop.
final class ChildProcess: Sendable {
    enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        var description: String {
            switch self {
            case .exited(let code): "exit status \(code)"
            case .signalled(let signal): "killed by signal \(signal)"
            }
        }
    }

    struct SpawnError: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    let pid: pid_t
    private struct State {
        var status: ExitStatus?
        var waiters: [CheckedContinuation<ExitStatus, Never>] = []
    }
    private let state = Mutex(State())

    private init(pid: pid_t) { self.pid = pid }

    /// What runs before the command, found once in `PATH`; empty where util-linux's `setpriv`
    /// is missing (then a Switchyard killed with SIGKILL leaves its children running; the log
    /// says so at the first start).
    static let prefix: [String] = {
        guard let setpriv = executable("setpriv", path: ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") else { return [] }
        return [setpriv, "--pdeathsig", "KILL", "--"]
    }()

    /// Starts `arguments` (the first word is the program, looked up in the environment's
    /// `PATH` unless it holds a `/`), its output and errors appended to `output`.
    static func start(_ arguments: [String], environment: [String: String], output: String) async throws(SpawnError) -> ChildProcess {
        guard let program = arguments.first else { throw SpawnError(description: "no command") }
        guard let path = executable(program, path: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") else {
            throw SpawnError(description: "\(program): not found, or not executable")
        }
        guard FileManager.default.fileExists(atPath: output) || FileManager.default.createFile(atPath: output, contents: nil) else {
            throw SpawnError(description: "cannot write \(output)")
        }
        let launched = prefix + [path] + arguments.dropFirst()
        let started: Result<ChildProcess, SpawnError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: launched[0])
                process.arguments = Array(launched.dropFirst())
                process.environment = environment
                guard let log = FileHandle(forWritingAtPath: output) else {
                    continuation.resume(returning: .failure(SpawnError(description: "cannot write \(output)")))
                    return
                }
                _ = try? log.seekToEnd()
                process.standardInput = FileHandle.nullDevice
                process.standardOutput = log
                process.standardError = log
                let ended = DispatchSemaphore(value: 0)
                process.terminationHandler = { _ in ended.signal() }
                // The child starts with its spawner's signal mask, and the threads of an event loop
                // or of the concurrency pool block most signals: a child would not even hear
                // SIGTERM. So none is blocked for the moment of the spawn.
                var none = sigset_t()
                var blocked = sigset_t()
                sigemptyset(&none)
                pthread_sigmask(SIG_SETMASK, &none, &blocked)
                let spawned = Result { try process.run() }
                pthread_sigmask(SIG_SETMASK, &blocked, nil)
                do {
                    try spawned.get()
                } catch {
                    try? log.close()
                    continuation.resume(returning: .failure(SpawnError(description: "\(program): \(error)")))
                    return
                }
                try? log.close()
                let child = ChildProcess(pid: process.processIdentifier)
                continuation.resume(returning: .success(child))
                ended.wait()
                let status = process.terminationStatus
                child.ended(process.terminationReason == .exit ? .exited(status) : .signalled(status))
            }
            thread.name = "switchyard-child"
            thread.start()
        }
        return try started.get()
    }

    /// Whether it has ended, and how.
    var exitStatus: ExitStatus? { state.withLock { $0.status } }

    /// Waits for the process to end.
    func exit() async -> ExitStatus {
        await withCheckedContinuation { continuation in
            let done: ExitStatus? = state.withLock { state in
                if let status = state.status { return status }
                state.waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    /// Sends `signal` to the process's group (it and whatever it started), unless it ended;
    /// to the process alone where it has no group of its own.
    func signal(_ signal: Int32) {
        state.withLock { state in
            if state.status == nil, kill(-pid, signal) != 0 { _ = kill(pid, signal) }
        }
    }

    private func ended(_ status: ExitStatus) {
        let waiters = state.withLock { state in
            state.status = status
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: status) }
    }

    /// `program` itself if it names a path, else the first executable of that name in `path`.
    static func executable(_ program: String, path: String) -> String? {
        if program.contains("/") { return access(program, X_OK) == 0 ? program : nil }
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(program)"
            var directory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &directory), !directory.boolValue,
                FileManager.default.isExecutableFile(atPath: candidate)
            {
                return candidate
            }
        }
        return nil
    }

    /// The last lines of a child's output file, for the log when it fails.
    static func tail(of file: String, lines: Int = 12, bytes: Int = 4096) -> String {
        guard let handle = FileHandle(forReadingAtPath: file) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > UInt64(bytes) ? size - UInt64(bytes) : 0)
        let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines).joined(separator: "\n")
    }
}
