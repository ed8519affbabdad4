import ServiceLifecycle

/// Under the server's service group, what a graceful shutdown finishes before the process ends,
/// in this order: the agent runs still going are cancelled and waited for (a bounded while), so
/// that each is stored as cancelled and metered rather than left `running`; then the usage still
/// buffered, theirs included, is written.
struct ShutdownDrain: Service {
    let hub: AgentRunHub
    let governor: UsageGovernor
    /// The longest a shutdown waits for runs to end.
    var runLimit = Duration.seconds(10)

    func run() async throws {
        try? await gracefulShutdown()
        await hub.cancelAll(waitingAtMost: runLimit)
        await governor.flush()
    }
}
