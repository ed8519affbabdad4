import Foundation
import NexusCore

/// `GET /metrics/summary`: what the dashboard's overview shows, as JSON: load now, and the last
/// hour per minute with latency quantiles from the minute sketches (never raw logs).
enum MetricsSummary {
    /// The models in memory and how busy each is, with the queue: read at request time.
    struct Load {
        var models: [(name: String, busySlots: Int)]
        var queued: Int
        var inFlight: Int
    }

    static func json(minutes: [MinuteRollups.Minute], load: Load, version: String, uptime: TimeInterval) -> JSONValue {
        var hour = LatencySketch()
        var errors: [String: Int] = [:]
        var requests = 0, prompt = 0, completion = 0
        for minute in minutes {
            hour.add(minute.latency)
            requests += minute.requests
            prompt += minute.promptTokens
            completion += minute.completionTokens
            errors.merge(minute.errors, uniquingKeysWith: +)
        }
        // Rates over the part of the hour the server has been up, so a fresh server is not diluted.
        let seconds = max(1, min(Double(MinuteRollups.window * 60), uptime))
        return .object([
            "version": .string(version),
            "uptime_seconds": .number(uptime.rounded()),
            "queue_depth": .number(Double(load.queued)),
            "requests_in_flight": .number(Double(load.inFlight)),
            "busy_slots": .number(Double(load.models.reduce(0) { $0 + $1.busySlots })),
            "loaded_models": .array(load.models.map { .object(["name": .string($0.name), "busy_slots": .number(Double($0.busySlots))]) }),
            "last_hour": .object([
                "requests": .number(Double(requests)),
                "errors": .number(Double(errors.values.reduce(0, +))),
                "errors_by_kind": .object(JSONObject(errors.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.number(Double($0.value))) })),
                "p50_ms": milliseconds(hour.quantile(0.5)),
                "p95_ms": milliseconds(hour.quantile(0.95)),
                "p99_ms": milliseconds(hour.quantile(0.99)),
                "requests_per_second": .number(Double(requests) / seconds),
                "tokens_per_second": .number(Double(prompt + completion) / seconds),
                "prompt_tokens": .number(Double(prompt)),
                "completion_tokens": .number(Double(completion)),
            ]),
            "minutes": .array(minutes.map { minute in
                .object([
                    "start": .string(Date(timeIntervalSince1970: Double(minute.minute * 60)).ISO8601Format()),
                    "requests": .number(Double(minute.requests)),
                    "errors": .number(Double(minute.errorCount)),
                    "prompt_tokens": .number(Double(minute.promptTokens)),
                    "completion_tokens": .number(Double(minute.completionTokens)),
                    "p50_ms": milliseconds(minute.latency.quantile(0.5)),
                    "p95_ms": milliseconds(minute.latency.quantile(0.95)),
                    "p99_ms": milliseconds(minute.latency.quantile(0.99)),
                ])
            }),
        ])
    }

    /// Three significant decimals are more than a 2 % sketch can tell.
    private static func milliseconds(_ value: Double?) -> JSONValue {
        value.map { .number(($0 * 1000).rounded() / 1000) } ?? .null
    }
}
