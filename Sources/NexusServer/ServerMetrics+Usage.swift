import NexusStore
import Prometheus

/// ``ServerMetrics/usageCounters(org:keyID:)``.
struct UsageCounters: Sendable {
    let runUnits: Counter
    let tokens: Counter
    let sandboxCPU: Counter

    func record(_ event: UsageEvent) {
        runUnits.increment(by: Int64(event.runUnits))
        tokens.increment(by: Int64(event.totalTokens))
        if event.sandboxCPUMillis > 0 { sandboxCPU.increment(by: Double(event.sandboxCPUMillis) / 1000) }
    }
}

extension ServerMetrics {
    /// The counters of what an org's key used (keys are few, and each is someone's bill);
    /// callers keep them, so a request does not look them up again.
    func usageCounters(org: String, keyID: String) -> UsageCounters {
        let labels = [("org", org), ("key_id", keyID.isEmpty ? "-" : keyID)]
        return UsageCounters(
            runUnits: usageRegistry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "nexus", metricName: "run_units", unitName: "total",
                                                 helpText: "Run units used, by org and key."),
                labels: labels),
            tokens: usageRegistry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "nexus", metricName: "metered_tokens", unitName: "total",
                                                 helpText: "Model tokens (prompt and completion) used, by org and key."),
                labels: labels),
            sandboxCPU: usageRegistry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "nexus", metricName: "sandbox_cpu_seconds", unitName: "total",
                                                 helpText: "CPU seconds of sandboxed commands in agent runs, by org and key."),
                labels: labels))
    }

    /// A request refused by a limit or a quota, or one that went past a soft quota (`outcome` "warned").
    func recordLimit(_ name: UsageLimitName, outcome: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "nexus", metricName: "limit_events", unitName: "total",
                                             helpText: "Requests refused by a rate limit or quota (outcome refused), or past a soft quota (warned)."),
            labels: [("limit", name.rawValue), ("outcome", outcome)]
        ).increment()
    }
}
