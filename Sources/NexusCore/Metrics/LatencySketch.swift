import Foundation

/// Request latencies as a log-bucketed histogram: every bucket spans 4 % more than the one
/// below it, so any quantile read from it is within about 2 % of the true value, and two
/// sketches add up bucket by bucket. A minute's sketch is a fixed array of counts, whatever
/// the traffic: the dashboard's p50/p95/p99 over an hour are exact to that bound without
/// keeping a single raw latency.
public struct LatencySketch: Sendable, Equatable {
    /// Bucket `i` holds latencies in (γ^(i-1), γ^i] microseconds, γ = 1.04; the last also holds
    /// everything above (about 8 minutes).
    public private(set) var counts = [UInt32](repeating: 0, count: Self.bucketCount)
    public private(set) var total = 0

    public init() {}

    private static let growth = 1.04
    private static let logGrowth = log(growth)
    public static let bucketCount = 512

    public mutating func record(milliseconds: Double) {
        counts[Self.bucket(of: milliseconds)] &+= 1
        total += 1
    }

    public mutating func add(_ other: LatencySketch) {
        guard other.total > 0 else { return }
        for index in counts.indices { counts[index] &+= other.counts[index] }
        total += other.total
    }

    /// The latency below which a fraction `q` of the recorded ones fall, in milliseconds (the
    /// middle of its bucket); nil when nothing was recorded.
    public func quantile(_ q: Double) -> Double? {
        guard total > 0 else { return nil }
        let rank = max(1, Int((q * Double(total)).rounded(.up)))
        var seen = 0
        for (index, count) in counts.enumerated() {
            seen += Int(count)
            if seen >= rank { return Self.middle(of: index) }
        }
        return Self.middle(of: counts.count - 1)
    }

    static func bucket(of milliseconds: Double) -> Int {
        let micros = milliseconds * 1000
        guard micros > 1 else { return 0 }
        return min(bucketCount - 1, Int((log(micros) / logGrowth).rounded(.up)))
    }

    /// The geometric middle of bucket `index`, in milliseconds.
    static func middle(of index: Int) -> Double {
        guard index > 0 else { return 0.001 }
        return pow(growth, Double(index) - 0.5) / 1000
    }
}
