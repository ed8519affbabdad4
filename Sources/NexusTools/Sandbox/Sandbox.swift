import CSandbox
public import Foundation
public import NexusCore

/// Runs commands under a ``CapabilityPolicy``: the only way a tool starts a process.
///
/// Each command gets its own user, mount, pid, ipc, uts, cgroup and network namespaces (with
/// network allowed, the only way out is a relay per allowed host and port, see
/// ``SandboxNetwork``); `no_new_privs`; Landlock
/// rules that let it read the system folders a program needs plus the policy's readable paths,
/// write only the policy's writable paths, execute only the policy's commands, connect by TCP
/// only to the policy's ports (never Nexus's own, see ``SandboxNetwork``), and (kernels with
/// Landlock ABI 6) signal nothing outside itself; a mount tree that is read-only outside the
/// writable paths (so no chmod, chown, utime or setxattr of anything else) and, with a command
/// list, noexec outside the listed programs and the library folders (so the dynamic loader
/// cannot start anything else); no capabilities; a seccomp filter that fails `ptrace`, `mount`,
/// `unshare`, `bpf`, module loading, the keyring, io_uring and similar with `EPERM` and allows
/// only AF_INET/AF_INET6 sockets (with network) and AF_UNIX socket pairs; rlimits from
/// ``ResourceLimits`` plus a file-size limit; a memory cgroup for the whole tree where the
/// machine has one; only the environment variables the policy names. The command is pid 1 of
/// its namespace, so killing it at the wall-clock limit ends every process it started.
///
/// Limits worth knowing (the escape tests show each one that can be shown):
/// - a hard link to an outside file, planted in a readable folder by someone outside the
///   sandbox, is readable through that link (Landlock checks the path used, not the inode);
///   the sandbox itself cannot create such links, and Nexus's file tools refuse linked files;
/// - with network allowed the command reaches exactly the allowed host:ports over TCP (an
///   entry without a port: 80 and 443), through relays Nexus runs; no UDP (DNS included: the
///   allowed names are in the sandbox's /etc/hosts), no other host, never Nexus's own listener;
///   IPv6 address entries are not relayed; what the command sends to an allowed host is not
///   inspected;
/// - the command list is enforced for `execute_command`, through Landlock's execute right for
///   programs the command starts, and through noexec mounts for the loader; an allowed
///   interpreter (`sh`, `python3`) can still do anything its own language allows inside the
///   sandbox, and a helper program kept inside a library folder can be started by the loader;
/// - `processes` is an RLIMIT_NPROC, which the kernel does not apply to root: run as root,
///   the sandbox's pid namespace caps the process count instead (kernel 6.14+, 301 at least);
/// - `memoryBytes` limits each process's address space (RLIMIT_AS) and, where Nexus can make a
///   memory cgroup, the whole tree's memory (``memoryLimitScope`` says which);
/// - the file-size limit bounds each file, not the disk: many files can still fill it;
/// - there is no /tmp or /dev/shm unless the policy grants them (Python's `tempfile` falls
///   back to the workspace); /proc is the sandbox's own.
public struct Sandbox: Sendable {
    /// The policy every command runs under.
    public let policy: CapabilityPolicy
    /// The working directory of every command; relative policy paths resolve against it.
    public let workspace: URL
    /// False only for ``unsandboxed(policy:workspace:)``.
    public let isolated: Bool
    /// The largest file a command may write (RLIMIT_FSIZE): a write past it fails with EFBIG,
    /// or the process gets SIGXFSZ.
    public let fileSizeLimit: Int
    /// Where each command's CPU time is added (the run's meter); nil counts nothing.
    public let cpuMeter: SandboxCPUMeter?

    /// The file-size limit when none is given: 1 GiB.
    public static let defaultFileSizeLimit = 1 << 30

    /// A sandbox for commands of one run.
    /// - Parameters:
    ///   - policy: What the commands may read, write, start and reach, and their limits.
    ///   - workspace: The commands' working directory.
    ///   - fileSizeLimit: The largest file a command may write, in bytes.
    ///   - cpuMeter: Where each command's CPU time is added (the run's, for metering).
    public init(policy: CapabilityPolicy, workspace: URL, fileSizeLimit: Int = Sandbox.defaultFileSizeLimit, cpuMeter: SandboxCPUMeter? = nil) {
        self.init(policy: policy, workspace: workspace, isolated: true, fileSizeLimit: fileSizeLimit, cpuMeter: cpuMeter)
    }

    private init(policy: CapabilityPolicy, workspace: URL, isolated: Bool, fileSizeLimit: Int = Sandbox.defaultFileSizeLimit,
                 cpuMeter: SandboxCPUMeter? = nil) {
        self.policy = policy
        self.workspace = workspace
        self.isolated = isolated
        self.fileSizeLimit = max(1, fileSizeLimit)
        self.cpuMeter = cpuMeter
    }

    /// What `memoryBytes` bounds on this machine, in words: the whole process tree (through a
    /// memory cgroup) or, where Nexus can make none, each process alone.
    public static var memoryLimitScope: String {
        guard let probe = MemoryCgroup.create(limit: 1 << 30) else {
            return "each process alone (RLIMIT_AS): no writable memory cgroup for Nexus on this machine"
        }
        defer { probe.remove() }
        return "the command's processes together (\(probe.version.rawValue) memory controller), and each process (RLIMIT_AS)"
    }

    /// The same runner without isolation (no namespaces, Landlock, seccomp, dropped
    /// capabilities): **for the spawn-cost benchmark only**, never for tool calls. The command
    /// list, environment filtering, rlimits, output budget and wall-clock kill still apply.
    public static func unsandboxed(policy: CapabilityPolicy, workspace: URL) -> Sandbox {
        Sandbox(policy: policy, workspace: workspace, isolated: false)
    }

    /// The Landlock ABI of the running kernel (0 when unavailable, in which case ``run`` fails:
    /// without Landlock the sandbox could not confine file access).
    public static var landlockABI: Int { Int(nexus_sandbox_landlock_abi()) }

    /// Whether the policy lets this sandbox start `command` (a name looked up in PATH, or a path
    /// relative to the workspace).
    public func permits(_ command: String) -> Bool {
        guard let layout = try? SandboxLayout(policy: policy, workspace: workspace) else { return false }
        if let path = layout.resolve(command) { return layout.permits(path) }
        return policy.commands?.contains(command) ?? true
    }

    /// Runs one command to its end (or its limit) and returns what it printed.
    ///
    /// Waiting happens on a dedicated thread, never on Swift's cooperative pool. Cancelling the
    /// task kills the command's whole process tree.
    /// - Parameters:
    ///   - executable: A command name, looked up in the parent's PATH directories the sandbox
    ///     can read, or a path (relative to the workspace).
    ///   - arguments: The arguments after the program name; no shell is involved.
    ///   - stdin: Text for the command's standard input; without it, stdin is at end of file.
    /// - Returns: Exit status or signal, output (cut at `limits.outputBytes`), whether it timed
    ///   out, and how long it ran. A non-zero exit is an outcome, not an error.
    /// - Throws: `NexusError` with code `commandRefused` when the policy does not list the
    ///   command, `commandNotFound` when there is no such program, `invalidArgument` for a
    ///   missing workspace or a NUL byte in an argument, `sandboxFailed` when the sandbox could
    ///   not be set up, `cancelled` when the task was cancelled.
    public func run(_ executable: String, arguments: [String], stdin: String? = nil) async throws -> ProcessOutcome {
        let layout = try SandboxLayout(policy: policy, workspace: workspace)
        let path = try resolve(executable, in: layout)
        if ([executable] + arguments).contains(where: { $0.utf8.contains(0) }) {
            throw NexusError(.invalidArgument, "the command line for \(executable) contains a NUL byte, which no program can receive")
        }
        let launch = SandboxedProcess.Launch(
            executable: path,
            arguments: arguments,
            environment: layout.environment,
            workingDirectory: layout.workspace,
            isolated: isolated,
            readPaths: layout.readPaths,
            writePaths: layout.writePaths,
            executablePaths: layout.executablePaths,
            libraryPaths: layout.libraryPaths,
            executeReadable: layout.allowedExecutables == nil,
            network: layout.network,
            connectPorts: layout.connectPorts,
            relayRoutes: layout.relayRoutes,
            hostsFile: layout.hostsFile,
            limits: policy.limits,
            fileBytes: fileSizeLimit,
            stdin: Array((stdin ?? "").utf8)
        )
        let outcome = try await SandboxedProcess(launch).run()
        cpuMeter?.add(outcome.cpuSeconds)
        return outcome
    }

    private func resolve(_ executable: String, in layout: SandboxLayout) throws -> String {
        let allowedList = policy.commands.map { $0.isEmpty ? "none" : $0.joined(separator: ", ") } ?? "any"
        guard let path = layout.resolve(executable) else {
            if let commands = policy.commands, !commands.contains(executable) {
                throw NexusError(.commandRefused, "\(executable) is not among the commands this run's policy allows (\(allowedList))")
            }
            let folders = layout.searchDirectories.joined(separator: ":")
            throw NexusError(.commandNotFound, executable.contains("/")
                ? "\(executable) is not an executable file"
                : "no program named \(executable) in the folders the sandbox can read (\(folders))")
        }
        guard layout.permits(path) else {
            throw NexusError(.commandRefused, "\(executable) is not among the commands this run's policy allows (\(allowedList)); add it to the policy's commands to run it")
        }
        if let interpreter = layout.refusedInterpreter(of: path) {
            throw NexusError(.commandRefused, "\(executable) is a script whose #! line starts \(interpreter), which is not among the commands this run's policy allows (\(allowedList)); add that interpreter to the policy's commands, or run the script through an allowed one")
        }
        return path
    }
}
