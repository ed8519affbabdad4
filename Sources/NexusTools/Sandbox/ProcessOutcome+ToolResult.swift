import Glibc
public import NexusCore

extension ProcessOutcome {
    /// The outcome as a tool result the model can act on: `.ok` for exit status 0, `.error`
    /// otherwise, with what happened first ("exit code 2", "killed after 60 s wall-clock
    /// limit", ...) and the labelled output after.
    /// - Parameter limits: The limits the command ran under, to name the one it hit.
    public func toolResult(limits: ResourceLimits) -> ToolResult {
        var lines = [summary(limits: limits)]
        if !stdout.isEmpty { lines.append("stdout:\n" + stdout.trimmingTrailingNewline) }
        if !stderr.isEmpty { lines.append("stderr:\n" + stderr.trimmingTrailingNewline) }
        if stdout.isEmpty && stderr.isEmpty { lines.append("(no output)") }
        if truncated { lines.append("[output cut at \(limits.outputBytes) bytes, the policy's limit; the rest was discarded]") }
        let content = lines.joined(separator: "\n")
        return succeeded ? .ok(content, truncated: truncated) : ToolResult(status: .error, content: content, truncated: truncated)
    }

    /// One line: how the process ended.
    public func summary(limits: ResourceLimits) -> String {
        if timedOut { return "killed after \(Self.seconds(limits.wallSeconds)) s wall-clock limit" }
        if let exitCode { return "exit code \(exitCode)" }
        guard let signal else { return "ended" }
        let name = Self.signalName(signal)
        switch signal {
        case SIGKILL where memoryLimitHit:
            return "killed by \(name) at the \(limits.memoryBytes >> 20) MB memory limit of the command's processes together"
        case SIGXCPU:
            return "killed by \(name) at the \(limits.cpuSeconds) s CPU-time limit"
        case SIGKILL where duration >= Double(limits.cpuSeconds):
            return "killed by \(name), probably at the \(limits.cpuSeconds) s CPU-time limit"
        case SIGXFSZ:
            return "killed by \(name): a file grew past the sandbox's file-size limit (writes past it fail with EFBIG)"
        default:
            return "killed by \(name)"
        }
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
            SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV",
            SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ",
            SIGSYS: "SIGSYS", SIGUSR1: "SIGUSR1", SIGUSR2: "SIGUSR2",
        ]
        return names[signal].map { "\($0) (signal \(signal))" } ?? "signal \(signal)"
    }
}

extension String {
    fileprivate var trimmingTrailingNewline: String {
        hasSuffix("\n") ? String(dropLast()) : self
    }
}
