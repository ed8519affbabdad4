import Foundation

/// A rate limit of `limit` per minute as the generic cell rate algorithm keeps it: one number, the
/// theoretical arrival time, per subject. A request of cost `n` moves it `n` emission intervals
/// later; the request is allowed when that stays within one minute of now. Bursts up to the whole
/// minute's allowance pass, after which requests are spaced evenly, and nothing is ever swept.
public struct RateWindow: Sendable, Equatable {
    /// Seconds since an arbitrary epoch (the server's monotonic clock).
    public private(set) var theoreticalArrival: Double = 0

    public init() {}

    public static let window = 60.0

    /// What a check found.
    public struct Verdict: Sendable, Equatable {
        public var allowed: Bool
        /// How much of the minute's allowance is left after this request (before it, when refused).
        public var remaining: Int
        /// Seconds until the allowance is whole again.
        public var resetSeconds: Double
        /// Seconds to wait before the same request would pass; 0 when allowed, infinite when it never can.
        public var retryAfterSeconds: Double
    }

    /// Checks a request of `cost` against `limit` per minute at `now`, taking it when allowed.
    public mutating func take(_ cost: Int, limit: Int, now: Double) -> Verdict {
        let verdict = check(cost, limit: limit, now: now)
        if verdict.allowed {
            theoreticalArrival = max(theoreticalArrival, now) + Double(cost) * Self.window / Double(limit)
        }
        return verdict
    }

    /// The same check without taking anything.
    public func check(_ cost: Int, limit: Int, now: Double) -> Verdict {
        guard limit > 0 else {
            return Verdict(allowed: false, remaining: 0, resetSeconds: 0, retryAfterSeconds: .infinity)
        }
        let interval = Self.window / Double(limit)
        let start = max(theoreticalArrival, now)
        let after = start + Double(cost) * interval
        if after - now <= Self.window + 1e-9 {
            return Verdict(allowed: true, remaining: Int(((Self.window - (after - now)) / interval + 1e-9).rounded(.down)),
                           resetSeconds: after - now, retryAfterSeconds: 0)
        }
        let retry = Double(cost) > Double(limit) ? Double.infinity : after - now - Self.window
        return Verdict(allowed: false, remaining: Int(((Self.window - (start - now)) / interval + 1e-9).rounded(.down)),
                       resetSeconds: start - now, retryAfterSeconds: retry)
    }
}
