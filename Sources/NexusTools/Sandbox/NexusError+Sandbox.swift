public import NexusCore

extension NexusError.Code {
    /// The command is not among the policy's `commands`: a refusal, not a failure.
    public static let commandRefused = NexusError.Code("command_refused")
    /// No executable of that name in the directories the sandbox can read.
    public static let commandNotFound = NexusError.Code("command_not_found")
    /// The sandbox could not be set up (kernel support, namespaces, Landlock, pipes).
    public static let sandboxFailed = NexusError.Code("sandbox_failed")
}
