import CSandbox
import Foundation
import Glibc
import NexusCore
import Synchronization

/// One command's life: started through `CSandbox`, fed its stdin, its output collected within
/// the byte budget, killed at the wall-clock limit, reaped.
///
/// All of it runs on a thread of its own (``run(_:)``), so neither the spawn (which blocks until
/// the child's execve) nor the waiting ever occupies a thread of Swift's cooperative pool.
final class SandboxedProcess: Sendable {
    /// What to start; plain values, so it can cross to the process's thread.
    struct Launch: Sendable {
        var executable: String
        var arguments: [String]
        var environment: [String]
        var workingDirectory: String
        var isolated: Bool
        var readPaths: [String]
        var writePaths: [String]
        var executablePaths: [String]
        var libraryPaths: [String]
        var executeReadable: Bool
        var network: Bool
        var connectPorts: [UInt16]
        /// With network: the relays to open in the sandbox and the /etc/hosts naming them.
        var relayRoutes: [SandboxNetwork.Route]
        var hostsFile: String
        var limits: ResourceLimits
        /// RLIMIT_FSIZE: the largest file the command may write.
        var fileBytes: Int
        var stdin: [UInt8]
    }

    private struct State {
        var child: nexus_sandbox_child?
        var finished = false
        var cancelled = false
    }

    private let launch: Launch
    private let state = Mutex(State())

    init(_ launch: Launch) {
        self.launch = launch
    }

    /// Starts the command and waits for it on a dedicated thread; cancelling the task kills the
    /// process tree.
    /// - Throws: `NexusError(.sandboxFailed)` when it could not start, `.cancelled` when the
    ///   task was cancelled.
    func run() async throws -> ProcessOutcome {
        let result: Result<ProcessOutcome, NexusError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let thread = Thread { continuation.resume(returning: self.runBlocking()) }
                thread.name = "nexus-sandbox"
                thread.start()
            }
        } onCancel: {
            self.kill()
        }
        let outcome = try result.get()
        if state.withLock({ $0.cancelled }) {
            throw NexusError(.cancelled, "the command \(launch.executable) was cancelled and its processes killed")
        }
        return outcome
    }

    /// Kills the whole tree (the sandbox's pid namespace, or the unisolated child's process group).
    func kill() {
        let isolated = launch.isolated
        state.withLock { state in
            state.cancelled = true
            if !state.finished, var child = state.child {
                _ = nexus_sandbox_signal(&child, isolated ? 1 : 0, SIGKILL)
            }
        }
    }

    // MARK: - On the process's own thread

    private func runBlocking() -> Result<ProcessOutcome, NexusError> {
        // A child that exits before reading its stdin must not end Nexus with SIGPIPE.
        PipeSignal.blocked(runWithPipeSignalBlocked)
    }

    private func runWithPipeSignalBlocked() -> Result<ProcessOutcome, NexusError> {
        let start = Self.now()
        // The whole tree's memory, where the machine lets Nexus make a memory cgroup.
        let cgroup = launch.isolated ? MemoryCgroup.create(limit: launch.limits.memoryBytes) : nil
        defer { cgroup?.remove() }
        let relays = launch.isolated && launch.network ? RelayHandoff(launch: launch) : nil
        let child: nexus_sandbox_child
        switch spawn(joining: cgroup, relays: relays) {
        case .success(let started): child = started
        case .failure(let error): return .failure(error)
        }
        let relay: NetworkRelay?
        switch relays.map({ $0.receive(routes: launch.relayRoutes) }) {
        case .none:
            relay = nil
        case .some(.success(let started)):
            relay = started
        case .some(.failure(let error)):
            var started = child
            _ = nexus_sandbox_signal(&started, 1, SIGKILL)
            var status: Int32 = 0
            while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
            for fd in [child.pidfd, child.stdin_fd, child.stdout_fd, child.stderr_fd] where fd >= 0 { Glibc.close(fd) }
            return .failure(error)
        }
        relay?.start()
        defer { relay?.stop() }
        let registered = state.withLock { state -> Bool in
            state.child = child
            return !state.cancelled
        }
        if !registered { kill() }
        var outcome = collect(child, start: start)
        outcome.memoryLimitHit = cgroup?.killedAtTheLimit ?? false
        return .success(outcome)
    }

    private func spawn(joining cgroup: MemoryCgroup?, relays: RelayHandoff?) -> Result<nexus_sandbox_child, NexusError> {
        let launch = launch
        var child = nexus_sandbox_child()
        var message = [CChar](repeating: 0, count: 512)
        let argv = CStringArray([launch.executable.split(separator: "/").last.map(String.init) ?? launch.executable] + launch.arguments)
        let envp = CStringArray(launch.environment)
        let reads = CStringArray(launch.readPaths)
        let writes = CStringArray(launch.writePaths)
        let executables = CStringArray(launch.executablePaths)
        let libraries = CStringArray(launch.libraryPaths)
        let ports = launch.connectPorts
        let relayAddresses = launch.relayRoutes.map(\.localAddress)
        let relayPorts = launch.relayRoutes.map(\.port)
        let hostsPath = relays?.hostsPath ?? ""
        let status: Int32 = withExtendedLifetime((argv, envp, reads, writes, executables, libraries)) {
            relayAddresses.withUnsafeBufferPointer { relayAddressBuffer in
            relayPorts.withUnsafeBufferPointer { relayPortBuffer in
            hostsPath.withCString { hosts in
            launch.executable.withCString { executable in
                launch.workingDirectory.withCString { directory in
                    ports.withUnsafeBufferPointer { portBuffer in
                        var config = nexus_sandbox_config()
                        config.executable = executable
                        config.argv = argv.pointer
                        config.envp = envp.pointer
                        config.working_directory = directory
                        config.isolate = launch.isolated ? 1 : 0
                        config.read_paths = reads.pointer
                        config.read_path_count = reads.count
                        config.write_paths = writes.pointer
                        config.write_path_count = writes.count
                        config.exec_paths = executables.pointer
                        config.exec_path_count = executables.count
                        config.execute_readable = launch.executeReadable ? 1 : 0
                        config.library_paths = libraries.pointer
                        config.library_path_count = libraries.count
                        config.network = launch.network ? 1 : 0
                        config.connect_ports = portBuffer.baseAddress
                        config.connect_port_count = portBuffer.count
                        config.cpu_seconds = UInt64(max(0, launch.limits.cpuSeconds))
                        config.memory_bytes = UInt64(max(0, launch.limits.memoryBytes))
                        config.processes = UInt64(max(0, launch.limits.processes))
                        config.file_bytes = UInt64(max(0, launch.fileBytes))
                        config.join_cgroup = cgroup == nil ? 0 : 1
                        config.cgroup_procs_fd = cgroup?.procsFD ?? -1
                        config.relay_addresses = relayAddressBuffer.baseAddress
                        config.relay_ports = relayPortBuffer.baseAddress
                        config.relay_count = relays == nil ? 0 : relayAddressBuffer.count
                        config.relay_socket = relays?.childEnd ?? -1
                        config.hosts_file = relays?.hostsPath == nil ? nil : hosts
                        return nexus_sandbox_spawn(&config, &child, &message, message.count)
                    }
                }
            }
            }
            }
            }
        }
        relays?.closeChildEnd()
        guard status == 0 else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return .failure(NexusError(.sandboxFailed, "could not start \(launch.executable): \(text)"))
        }
        return .success(child)
    }

    /// Feeds stdin, reads stdout and stderr within the byte budget (reading on and discarding
    /// beyond it, so the child never blocks on a full pipe), kills at the deadline, reaps.
    private func collect(_ child: nexus_sandbox_child, start: Double) -> ProcessOutcome {
        var child = child
        let limits = launch.limits
        let budget = max(0, limits.outputBytes)
        let deadline = start + max(0, limits.wallSeconds)
        var output = OutputBudget(limit: budget)

        var stdoutFD = child.stdout_fd
        var stderrFD = child.stderr_fd
        var stdinFD = child.stdin_fd
        let pidfd = child.pidfd
        for fd in [stdoutFD, stderrFD, stdinFD] { Self.setNonBlocking(fd) }
        let input = launch.stdin
        var written = 0
        if input.isEmpty { Self.close(&stdinFD) }

        var status: Int32 = 0
        var usage = rusage()
        var exited = false
        var exitTime = start
        var timedOut = false
        var killed = false
        var drainDeadline: Double?
        var buffer = [UInt8](repeating: 0, count: 64 << 10)

        while true {
            if exited && stdoutFD < 0 && stderrFD < 0 { break }
            let now = Self.now()
            if !exited && !killed && now >= deadline {
                timedOut = true
                killed = true
                _ = nexus_sandbox_signal(&child, launch.isolated ? 1 : 0, SIGKILL)
            }
            if exited && drainDeadline == nil {
                // Whatever still holds the pipes (only possible unisolated: a background child)
                // gets one second, then the group is killed and the rest dropped.
                drainDeadline = now + 1
            }
            if let drainDeadline, now >= drainDeadline {
                if !launch.isolated { _ = nexus_sandbox_signal(&child, 0, SIGKILL) }
                break
            }

            var fds: [pollfd] = []
            if stdoutFD >= 0 { fds.append(pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)) }
            if stderrFD >= 0 { fds.append(pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)) }
            if stdinFD >= 0 { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
            if !exited && pidfd >= 0 { fds.append(pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)) }

            var wait = (drainDeadline ?? (killed ? now + 1 : deadline)) - now
            if !exited && pidfd < 0 { wait = min(wait, 0.01) }  // no pidfd: poll waitpid
            let timeout = Int32(max(0, min(wait, 3600)) * 1000 + 1)
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 && errno != EINTR { break }

            for entry in fds where entry.revents != 0 {
                if entry.fd == stdoutFD || entry.fd == stderrFD {
                    let isStdout = entry.fd == stdoutFD
                    let count = read(entry.fd, &buffer, buffer.count)
                    if count > 0 {
                        output.take(buffer[..<count], toStdout: isStdout)
                    } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                        if isStdout { Self.close(&stdoutFD) } else { Self.close(&stderrFD) }
                    }
                } else if entry.fd == stdinFD {
                    let count = input[written...].withUnsafeBytes { Glibc.write(stdinFD, $0.baseAddress, min($0.count, 64 << 10)) }
                    if count > 0 {
                        written += count
                        if written >= input.count { Self.close(&stdinFD) }
                    } else if count < 0 && errno != EAGAIN && errno != EINTR {
                        Self.close(&stdinFD)  // EPIPE: the child stopped reading
                    }
                }
            }
            if !exited, pidfd < 0 || fds.contains(where: { $0.fd == pidfd && $0.revents != 0 }) {
                if wait4(child.pid, &status, WNOHANG, &usage) == child.pid {
                    exited = true
                    exitTime = Self.now()
                    Self.close(&stdinFD)
                }
            }
        }

        if !exited {
            while wait4(child.pid, &status, 0, &usage) < 0 && errno == EINTR {}
            exitTime = Self.now()
        }
        state.withLock { $0.finished = true }
        Self.close(&stdoutFD)
        Self.close(&stderrFD)
        Self.close(&stdinFD)
        var closedPidfd = pidfd
        Self.close(&closedPidfd)

        var exitCode: Int32 = -1
        var signal: Int32 = 0
        nexus_sandbox_decode_status(status, &exitCode, &signal)
        var outcome = ProcessOutcome(
            exitCode: exitCode >= 0 ? exitCode : nil,
            signal: signal > 0 ? signal : nil,
            stdout: String(decoding: output.stdout, as: UTF8.self),
            stderr: String(decoding: output.stderr, as: UTF8.self),
            truncated: output.truncated,
            timedOut: timedOut,
            duration: exitTime - start
        )
        outcome.cpuSeconds = Self.seconds(usage.ru_utime) + Self.seconds(usage.ru_stime)
        return outcome
    }

    // MARK: - Helpers

    private static func seconds(_ time: timeval) -> Double {
        Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    private static func setNonBlocking(_ fd: Int32) {
        guard fd >= 0 else { return }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    private static func close(_ fd: inout Int32) {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }
}

/// stdout and stderr kept up to one shared byte budget; the rest counted as dropped.
private struct OutputBudget {
    let limit: Int
    var stdout: [UInt8] = []
    var stderr: [UInt8] = []
    var truncated = false

    init(limit: Int) {
        self.limit = limit
    }

    mutating func take(_ bytes: ArraySlice<UInt8>, toStdout: Bool) {
        let room = max(0, limit - stdout.count - stderr.count)
        if bytes.count > room { truncated = true }
        let kept = bytes.prefix(room)
        if toStdout { stdout.append(contentsOf: kept) } else { stderr.append(contentsOf: kept) }
    }
}

/// A NULL-terminated array of C strings that lives as long as this value.
private final class CStringArray {
    private let storage: UnsafeMutablePointer<UnsafePointer<CChar>?>
    let count: Int

    init(_ strings: [String]) {
        count = strings.count
        storage = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() {
            storage[index] = UnsafePointer(strdup(string))
        }
        storage[strings.count] = nil
    }

    var pointer: UnsafePointer<UnsafePointer<CChar>?> { UnsafePointer(storage) }

    deinit {
        for index in 0..<count { free(UnsafeMutableRawPointer(mutating: storage[index])) }
        storage.deallocate()
    }
}
