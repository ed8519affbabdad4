import NexusStore
import Prometheus

extension ServerMetrics {
    /// A metered request or run, by org and key (keys are few, and each is someone's bill).
    func recordUsage(_ event: UsageEvent) {
        let labels = [("org", event.org), ("key_id", event.keyID.isEmpty ? "-" : event.keyID)]
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "nexus", metricName: "run_units", unitName: "total",
                                             helpText: "Run units used, by org and key."),
            labels: labels
        ).increment(by: Int64(event.runUnits))
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "nexus", metricName: "metered_tokens", unitName: "total",
                                             helpText: "Model tokens (prompt and completion) used, by org and key."),
            labels: labels
        ).increment(by: Int64(event.totalTokens))
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
