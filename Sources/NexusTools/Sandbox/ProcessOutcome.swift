/// How a command started by a ``Sandbox`` ended, and what it printed.
public struct ProcessOutcome: Sendable, Hashable {
    /// The exit status when the process exited normally; `nil` when a signal ended it.
    public var exitCode: Int32?
    /// The signal that ended the process, if one did (SIGKILL after a timeout, SIGXCPU, ...).
    public var signal: Int32?
    /// Standard output, decoded as UTF-8 (invalid bytes replaced).
    public var stdout: String
    /// Standard error, decoded as UTF-8 (invalid bytes replaced).
    public var stderr: String
    /// Whether output beyond `limits.outputBytes` (stdout and stderr together) was dropped.
    public var truncated: Bool
    /// Whether Nexus killed the process tree at the wall-clock limit.
    public var timedOut: Bool
    /// Seconds from start to exit.
    public var duration: Double
    /// Whether the kernel killed a process of the command's tree at the tree-wide memory limit
    /// (only where the limit is tree-wide; see ``Sandbox/memoryLimitScope``).
    public var memoryLimitHit = false
    /// CPU seconds (user and system) of the process and every descendant it waited for, as the
    /// kernel reported when it ended (`wait4`); a sandboxed command's init waits for all of them.
    public var cpuSeconds: Double = 0

    public init(exitCode: Int32?, signal: Int32?, stdout: String, stderr: String, truncated: Bool, timedOut: Bool, duration: Double) {
        self.exitCode = exitCode
        self.signal = signal
        self.stdout = stdout
        self.stderr = stderr
        self.truncated = truncated
        self.timedOut = timedOut
        self.duration = duration
    }

    /// True when the process exited with status 0 within its limits.
    public var succeeded: Bool { exitCode == 0 && !timedOut }
}
