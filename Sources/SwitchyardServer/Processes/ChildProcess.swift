import CSwitchyardSpawn
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// A process Switchyard started, in a process group of its own. It is spawned and waited for
/// on a thread of its own, never on an event loop or the concurrency pool: `waitpid` blocks,
/// and the kernel's parent-death signal is tied to the thread that forked, which therefore
/// lives exactly as long as the child. If Switchyard dies, however, the child is killed.
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

    /// Starts `arguments` (the first word is the program, looked up in the environment's
    /// `PATH` unless it holds a `/`), its output and errors appended to `output`.
    static func start(_ arguments: [String], environment: [String: String], output: String) async throws(SpawnError) -> ChildProcess {
        guard let program = arguments.first else { throw SpawnError(description: "no command") }
        guard let path = executable(program, path: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") else {
            throw SpawnError(description: "\(program): not found, or not executable")
        }
        let outputFD = open(output, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard outputFD >= 0 else { throw SpawnError(description: "cannot open \(output): \(String(cString: strerror(errno)))") }
        let argv = CStrings(arguments)
        let envp = CStrings(environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        let started: Result<ChildProcess, SpawnError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                var error: Int32 = 0
                let pid = switchyard_spawn(path, argv.pointers, envp.pointers, outputFD, &error)
                close(outputFD)
                guard pid > 0 else {
                    continuation.resume(returning: .failure(SpawnError(description: "\(program): \(String(cString: strerror(error)))")))
                    return
                }
                let child = ChildProcess(pid: pid)
                continuation.resume(returning: .success(child))
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                let low = status & 0x7f
                child.ended(low == 0 ? .exited((status >> 8) & 0xff) : .signalled(low))
                withExtendedLifetime((argv, envp)) {}
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

    /// Sends `signal` to the process's group (it and whatever it started), unless it ended.
    func signal(_ signal: Int32) {
        state.withLock { state in
            if state.status == nil { _ = kill(-pid, signal) }
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

/// NUL-terminated copies of strings, and the NULL-terminated array of them C takes; freed with it.
private final class CStrings: @unchecked Sendable {
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

    init(_ strings: [String]) {
        pointers = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() { pointers[index] = strdup(string) }
        pointers[strings.count] = nil
    }

    deinit {
        var index = 0
        while let pointer = pointers[index] {
            free(pointer)
            index += 1
        }
        pointers.deallocate()
    }
}
