import ServiceLifecycle

/// Under the server's service group: when the server shuts down gracefully, the usage still
/// buffered is written before the process ends.
struct UsageFlushing: Service {
    let governor: UsageGovernor

    func run() async throws {
        try? await gracefulShutdown()
        await governor.flush()
    }
}
