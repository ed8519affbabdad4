import Foundation
import NexusCore
import Prometheus

/// The server's Prometheus metrics, in a registry of its own (no process-wide state, so tests can
/// build several servers). `/metrics` renders it after refreshing the gauges that are read, not counted.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Series labelled by org and key (what each key used): every org's bills, so kept apart and
    /// rendered only for those who administer the server (``render(withUsageByKey:)``).
    let usageRegistry = PrometheusCollectorRegistry()
    /// The last hour per minute, with latency quantiles, for the dashboard (`/metrics/summary`).
    let minutes = MinuteRollups()
    let started = Date()
    private static let latencyBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
    ]

    /// One finished HTTP request: its route pattern (not the raw path, which would explode the label set).
    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        minutes.recordRequest(status: status, milliseconds: duration.inSeconds * 1000, timed: !route.hasSuffix("/events"))
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "nexus", metricName: "http_requests", unitName: "total",
                                             helpText: "HTTP requests by route, method and status."),
            labels: [("route", route), ("method", method), ("status", String(status))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "nexus", metricName: "http_request_duration", unitName: "seconds",
                                             helpText: "Time from request to the end of the response, by route."),
            labels: [("route", route)], buckets: Self.latencyBuckets
        ).record(duration)
    }

    /// Tokens read and written by one generation, and its decode speed.
    func recordGeneration(model: String, usage: GenerationUsage) {
        minutes.recordTokens(prompt: usage.promptTokens, completion: usage.completionTokens)
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "nexus", metricName: "prompt_tokens", unitName: "total",
                                             helpText: "Prompt tokens read, by model."),
            labels: [("model", model)]
        ).increment(by: Int64(usage.promptTokens))
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "nexus", metricName: "generated_tokens", unitName: "total",
                                             helpText: "Tokens generated, by model."),
            labels: [("model", model)]
        ).increment(by: Int64(usage.completionTokens))
        if usage.generationSeconds > 0, usage.completionTokens > 0 {
            registry.makeGauge(
                descriptor: MetricNameDescriptor(namespace: "nexus", metricName: "generation_tokens_per_second",
                                                 helpText: "Decode speed of the last finished generation, by model."),
                labels: [("model", model)]
            ).set(Double(usage.completionTokens) / usage.generationSeconds)
        }
    }

    /// A tool call made by a server-side agent; refusals by the capability policy are also counted apart.
    func recordToolCall(tool: String, outcome: String) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "nexus", metricName: "tool_calls", unitName: "total",
                                             helpText: "Tool calls by tool and outcome."),
            labels: [("tool", tool), ("outcome", outcome)]
        ).increment()
        if outcome == "refused" {
            registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "nexus", metricName: "sandbox_refusals", unitName: "total",
                                                 helpText: "Tool calls refused by the capability policy, by tool."),
                labels: [("tool", tool)]
            ).increment()
        }
    }

    /// The gauges read at scrape time.
    func setLoad(queueDepth: Int, busySlots: Int, loadedModels: Int, inFlight: Int) {
        gauge("queue_depth", "Generation requests waiting for a slot.").set(Double(queueDepth))
        gauge("busy_slots", "Slots generating right now, over every loaded model.").set(Double(busySlots))
        gauge("loaded_models", "Models held in memory.").set(Double(loadedModels))
        gauge("requests_in_flight", "Generation requests admitted and not finished.").set(Double(inFlight))
    }

    private func gauge(_ name: String, _ help: String) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "nexus", metricName: name, helpText: help))
    }

    func render(withUsageByKey: Bool) -> String {
        withUsageByKey ? registry.emitToString() + usageRegistry.emitToString() : registry.emitToString()
    }
}
