import Synchronization

/// The CPU time (user and system) of the sandboxed commands of one run, their whole process
/// trees included, as the kernel counted it when each ended: what a run is metered for beside
/// its tokens.
public final class SandboxCPUMeter: Sendable {
    private let total = Mutex<Double>(0)

    public init() {}

    public func add(_ seconds: Double) {
        guard seconds.isFinite, seconds > 0 else { return }
        total.withLock { $0 += seconds }
    }

    public var seconds: Double { total.withLock { $0 } }
}

extension RunResources {
    /// The run's meter of sandbox CPU time, shared by all its tool calls.
    public var sandboxCPU: SandboxCPUMeter { value(forKey: "sandbox-cpu") { SandboxCPUMeter() } }
}
