import Foundation
import NexusCore
import Testing

@Suite("Latency sketch")
struct LatencySketchTests {
    @Test("quantiles are within 2 % of the exact ones, over six orders of magnitude")
    func quantilesAreClose() {
        var sketch = LatencySketch()
        // A long-tailed spread: 0.05 ms to 50 s.
        let latencies = (0..<10_000).map { 0.05 * pow(1.0014, Double($0)) }
        for latency in latencies.shuffled() { sketch.record(milliseconds: latency) }
        for q in [0.5, 0.9, 0.95, 0.99] {
            let exact = latencies[Int((q * Double(latencies.count)).rounded(.up)) - 1]
            let estimate = try! #require(sketch.quantile(q))
            #expect(abs(estimate - exact) / exact < 0.02, "q \(q): \(estimate) against \(exact)")
        }
    }

    @Test("two sketches added give the quantiles of everything both recorded")
    func sketchesAdd() {
        var fast = LatencySketch(), slow = LatencySketch(), all = LatencySketch()
        for index in 1...100 {
            fast.record(milliseconds: Double(index))
            all.record(milliseconds: Double(index))
            slow.record(milliseconds: Double(index) * 100)
            all.record(milliseconds: Double(index) * 100)
        }
        fast.add(slow)
        #expect(fast == all)
        #expect(fast.total == 200)
        #expect(try! #require(fast.quantile(0.99)) > 9_000)
    }

    @Test("an empty sketch has no quantile; zero, negative and huge latencies land in the end buckets")
    func edges() {
        var sketch = LatencySketch()
        #expect(sketch.quantile(0.5) == nil)
        sketch.record(milliseconds: 0)
        sketch.record(milliseconds: -3)
        sketch.record(milliseconds: 1e12)
        #expect(sketch.total == 3)
        #expect(try! #require(sketch.quantile(0.5)) < 0.01)
        #expect(try! #require(sketch.quantile(1)) > 100_000)
    }
}
