import CSandbox
import Foundation
import Glibc
import NexusCore
import NexusLua
import NexusTools
import Synchronization

/// One worker process from start to reaping, on a thread of its own: started in the sandbox,
/// sent the `run` message, its requests answered by the host, killed at the deadline or on
/// cancellation, and always reaped. Nothing the worker sends is trusted: lines are bounded,
/// malformed ones end the worker, and a worker that ends without `finished` is reported by how
/// it ended (a signal, the CPU limit, an exit status).
final class LuaWorkerConversation: Sendable {
    private let worker: LuaWorker
    private let request: LuaRunRequest
    private let host: any LuaHost
    private let module: String
    private let state = Mutex(State())

    private struct State {
        var child: nexus_sandbox_child?
        var cancelled = false
        var reaped = false
    }

    /// Most bytes of one line from the worker: the output of a call is JSON of what its capped
    /// state held, which repeated references can make larger than the cap itself.
    private var maxLineBytes: Int { max(16 << 20, 4 * request.memoryBytes) }
    /// Most bytes of the worker's stderr kept for messages.
    private static let maxStderrBytes = 4096

    init(worker: LuaWorker, request: LuaRunRequest, host: any LuaHost, module: String) {
        self.worker = worker
        self.request = request
        self.host = host
        self.module = module
    }

    /// Kills the worker (and everything in its pid namespace); safe from any thread.
    func cancel() {
        state.withLock { state in
            state.cancelled = true
            if !state.reaped, var child = state.child { _ = nexus_sandbox_signal(&child, 1, SIGKILL) }
        }
    }

    // MARK: - On the conversation's own thread

    func run() -> LuaOutcome {
        // Writing to a worker that died must fail with EPIPE, not end Nexus with SIGPIPE.
        PipeSignal.blocked(converseWithWorker)
    }

    private func converseWithWorker() -> LuaOutcome {
        let child: nexus_sandbox_child
        switch spawn() {
        case .success(let started): child = started
        case .failure(let error): return Self.failed(.error(error.message))
        }
        let cancelledEarly = state.withLock { state -> Bool in
            state.child = child
            return state.cancelled
        }
        if cancelledEarly { cancel() }
        let deadline = SandboxClock.now() + request.seconds + LuaWorker.grace
        var pipes = Pipes(stdin: child.stdin_fd, stdout: child.stdout_fd, stderr: child.stderr_fd)
        let ending = converse(&pipes, deadline: deadline)
        // Whatever happened, nothing of the worker outlives the call.
        var status: Int32 = 0
        state.withLock { state in
            if var running = state.child { _ = nexus_sandbox_signal(&running, 1, SIGKILL) }
        }
        while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
        state.withLock { $0.reaped = true }
        pipes.closeAll()
        var pidfd = child.pidfd
        if pidfd >= 0 { _ = Glibc.close(pidfd); pidfd = -1 }

        let cancelled = state.withLock { $0.cancelled }
        switch ending {
        case .finished(let outcome): return outcome
        case _ where cancelled: return Self.failed(.cancelled)
        case .deadline: return Self.failed(.timeLimit)
        case .broken(let problem):
            return Self.failed(.crashed("the worker running module \(module) \(problem) and was stopped; the caller is unaffected"))
        case .ended:
            return Self.failed(.crashed(describe(status: status, stderr: pipes.stderrText)))
        }
    }

    private enum Ending {
        case finished(LuaOutcome)
        case deadline
        /// The worker said something that is not the protocol.
        case broken(String)
        /// The worker closed its stdout (it exited or was killed) without a result.
        case ended
    }

    private func converse(_ pipes: inout Pipes, deadline: Double) -> Ending {
        switch pipes.write(LuaWireMessage.run(request).line, deadline: deadline) {
        case .done: break
        case .timedOut: return .deadline
        case .closed: return .ended
        }
        while true {
            let line: String
            switch pipes.readLine(maxBytes: maxLineBytes, deadline: deadline, stderrLimit: Self.maxStderrBytes) {
            case .line(let text): line = text
            case .timedOut: return .deadline
            case .closed: return .ended
            case .tooLong: return .broken("sent a message longer than \(maxLineBytes) bytes")
            }
            let message: LuaWireMessage
            do {
                message = try LuaWireMessage(line: line)
            } catch {
                return .broken("sent a malformed message")
            }
            let answer: LuaAnswer
            switch message {
            case .finished(let outcome): return .finished(outcome)
            case .call(let tool, let arguments): answer = Self.answer(host.callTool(tool, arguments: arguments))
            case .credential(let name): answer = Self.answer(host.credential(name))
            case .dependency(let name):
                switch host.dependency(name) {
                case .success(let dependency): answer = .module(id: dependency.id, code: dependency.code)
                case .failure(let failure): answer = .failure(failure)
                }
            case .run, .answer: return .broken("sent a message only the host sends")
            }
            switch pipes.write(LuaWireMessage.answer(answer).line, deadline: deadline) {
            case .done: continue
            case .timedOut: return .deadline
            case .closed: return .ended
            }
        }
    }

    private static func answer(_ result: Result<String, LuaHostFailure>) -> LuaAnswer {
        switch result {
        case .success(let text): .text(text)
        case .failure(let failure): .failure(failure)
        }
    }

    private static func failed(_ failure: LuaOutcome.Failure) -> LuaOutcome {
        LuaOutcome(result: .failure(LuaFailure(failure)))
    }

    /// Says how the worker ended without a result, and what to do.
    private func describe(status: Int32, stderr: String) -> String {
        var exitCode: Int32 = -1
        var signal: Int32 = 0
        nexus_sandbox_decode_status(status, &exitCode, &signal)
        let detail = stderr.split(separator: "\n").first.map { " (\($0.prefix(200)))" } ?? ""
        let what: String
        switch signal {
        case SIGXCPU:
            what = "used up its CPU time limit (the Lua code escaped the instruction budget)"
        case SIGSEGV, SIGBUS:
            what = "crashed with \(signal == SIGSEGV ? "a segmentation fault" : "a bus error") (the Lua code overflowed the interpreter's C stack or broke it otherwise)"
        case SIGABRT, SIGTRAP, SIGILL:
            what = "aborted (signal \(signal))\(detail)"
        case 0:
            what = "exited with status \(exitCode) before returning a result\(detail)"
        default:
            what = "was killed by signal \(signal)\(detail)"
        }
        return "the worker process running module \(module) \(what); only that process ended. Simplify the module's code (or report it if the code is ordinary Lua)"
    }

    private func spawn() -> Result<nexus_sandbox_child, NexusError> {
        let executable = LuaWorker.realPath(worker.executable.path) ?? worker.executable.path
        var child = nexus_sandbox_child()
        var message = [CChar](repeating: 0, count: 512)
        let argv = CStrings([LuaWorker.programName])
        // No variables of Nexus's environment reach the worker; the Swift runtime's crash
        // reporter is off (it would try to start a program the sandbox does not allow).
        let envp = CStrings(["SWIFT_BACKTRACE=enable=no"])
        let reads = CStrings(worker.readPaths)
        let executables = CStrings([executable] + LuaWorker.loaders)
        let libraries = CStrings(LuaWorker.libraryPaths)
        let memory = UInt64(request.memoryBytes + LuaWorker.runtimeAddressSpace)
        // The CPU limit is a backstop behind the wall-clock kill (CPU time never runs ahead of
        // wall time in a single-threaded worker), so a spinning worker is reported as a time limit.
        let cpu = UInt64((request.seconds + LuaWorker.grace).rounded(.up)) + 1
        let status: Int32 = withExtendedLifetime((argv, envp, reads, executables, libraries)) {
            executable.withCString { path in
                "/".withCString { root in
                    var config = nexus_sandbox_config()
                    config.executable = path
                    config.argv = argv.pointer
                    config.envp = envp.pointer
                    config.working_directory = root
                    config.isolate = 1
                    config.read_paths = reads.pointer
                    config.read_path_count = reads.count
                    config.exec_paths = executables.pointer
                    config.exec_path_count = executables.count
                    config.execute_readable = 0
                    config.library_paths = libraries.pointer
                    config.library_path_count = libraries.count
                    config.network = 0
                    config.cpu_seconds = cpu
                    config.memory_bytes = memory
                    config.processes = 4
                    return nexus_sandbox_spawn(&config, &child, &message, message.count)
                }
            }
        }
        guard status == 0 else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(NexusError(.moduleFailed, "the sandboxed Lua worker for module \(module) could not start: \(text); modules run only in the sandbox (Linux with Landlock)"))
        }
        return .success(child)
    }
}

/// Monotonic seconds.
enum SandboxClock {
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// A NULL-terminated array of C strings that lives as long as this value.
private final class CStrings {
    private let storage: UnsafeMutablePointer<UnsafePointer<CChar>?>
    let count: Int

    init(_ strings: [String]) {
        count = strings.count
        storage = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() { storage[index] = UnsafePointer(strdup(string)) }
        storage[strings.count] = nil
    }

    var pointer: UnsafePointer<UnsafePointer<CChar>?> { UnsafePointer(storage) }

    deinit {
        for index in 0..<count { free(UnsafeMutableRawPointer(mutating: storage[index])) }
        storage.deallocate()
    }
}
