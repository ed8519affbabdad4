import Foundation
import NexusCore
import Synchronization

/// The last hour of HTTP traffic, one roll-up per minute: requests, errors by kind, tokens and a
/// latency sketch. Kept in a ring of 60 slots, so memory stays fixed and recording is one lock
/// and a few additions; the dashboard's overview reads these, never a log.
final class MinuteRollups: Sendable {
    struct Minute: Sendable, Equatable {
        /// Minutes since 1970; a slot whose minute is not the one asked for is stale.
        var minute: Int
        var requests = 0
        var errors: [String: Int] = [:]
        var promptTokens = 0
        var completionTokens = 0
        var latency = LatencySketch()

        var errorCount: Int { errors.values.reduce(0, +) }
    }

    static let window = 60
    private let slots = Mutex([Minute?](repeating: nil, count: window))

    /// - Parameter timed: false for a request whose length is not a latency (an event stream that
    ///   follows a run lasts as long as the run).
    func recordRequest(status: Int, milliseconds: Double, timed: Bool = true, at date: Date = Date()) {
        update(at: date) { minute in
            minute.requests += 1
            if timed { minute.latency.record(milliseconds: milliseconds) }
            if let kind = Self.errorKind(status: status) { minute.errors[kind, default: 0] += 1 }
        }
    }

    func recordTokens(prompt: Int, completion: Int, at date: Date = Date()) {
        update(at: date) { minute in
            minute.promptTokens += prompt
            minute.completionTokens += completion
        }
    }

    /// The last `window` minutes up to `date`, oldest first, an empty roll-up for a quiet minute.
    func lastHour(at date: Date = Date()) -> [Minute] {
        let now = Self.minute(of: date)
        return slots.withLock { slots in
            (now - Self.window + 1...now).map { minute in
                if let slot = slots[minute % Self.window], slot.minute == minute { return slot }
                return Minute(minute: minute)
            }
        }
    }

    private func update(at date: Date, _ change: (inout Minute) -> Void) {
        let minute = Self.minute(of: date)
        slots.withLock { slots in
            let index = minute % Self.window
            var slot = slots[index].flatMap { $0.minute == minute ? $0 : nil } ?? Minute(minute: minute)
            slots[index] = nil  // keeps the sketch's array uniquely referenced while it changes
            change(&slot)
            slots[index] = slot
        }
    }

    static func minute(of date: Date) -> Int { Int((date.timeIntervalSince1970 / 60).rounded(.down)) }

    /// What kind of failure a status is, in the words the dashboard groups errors by; nil for success.
    static func errorKind(status: Int) -> String? {
        switch status {
        case ..<400: nil
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not_found"
        case 408, 504: "timeout"
        case 413: "too_large"
        case 429: "rate_limited"
        case 499: "cancelled"
        case 503: "unavailable"
        case 500...: "server_error"
        default: "client_error"
        }
    }
}
