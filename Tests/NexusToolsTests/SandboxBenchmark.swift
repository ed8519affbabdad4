import Foundation
import NexusCore
import NexusTools
import Testing

/// A benchmark, not a unit test: the cost of starting `true` in the sandbox against starting it
/// with the same runner unsandboxed, interleaved in one run. It makes no timing assertion and
/// runs only from `bench/sandbox.sh` (which sets NEXUS_BENCH_SANDBOX=1); `swift test` skips it.
@Suite(.serialized)
struct SandboxBenchmark {
    static let enabled = ProcessInfo.processInfo.environment["NEXUS_BENCH_SANDBOX"] == "1"

    @Test(.enabled(if: enabled, "benchmark: run bench/sandbox.sh"))
    func spawnCost() async throws {
        let runs = Int(ProcessInfo.processInfo.environment["NEXUS_BENCH_RUNS"] ?? "") ?? 200
        let fixture = try SandboxFixture()
        let policy = fixture.policy()
        let sandboxed = Sandbox(policy: policy, workspace: fixture.workspace)
        let unsandboxed = Sandbox.unsandboxed(policy: policy, workspace: fixture.workspace)

        for _ in 0..<10 {  // warm up: page cache, first-use setup
            _ = try await sandboxed.run("true", arguments: [])
            _ = try await unsandboxed.run("true", arguments: [])
        }
        var isolatedTimes: [Double] = []
        var plainTimes: [Double] = []
        // Alternating blocks, so drift on a shared machine hits both alike while each mode is
        // measured in its own steady state: the kernel tears a network namespace down after
        // the sandboxed process has gone, and strict alternation would bill that to the
        // unsandboxed run that follows.
        let block = 20
        var index = 0
        while index < runs {
            let count = min(block, runs - index)
            let order = (index / block).isMultiple(of: 2) ? [true, false] : [false, true]
            for isolated in order {
                for _ in 0..<count {
                    let started = ContinuousClock.now
                    let outcome = try await (isolated ? sandboxed : unsandboxed).run("true", arguments: [])
                    let elapsed = ContinuousClock.now - started
                    #expect(outcome.exitCode == 0)
                    let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
                    if isolated { isolatedTimes.append(milliseconds) } else { plainTimes.append(milliseconds) }
                }
            }
            index += count
        }
        let sandbox = Percentiles(isolatedTimes)
        let plain = Percentiles(plainTimes)
        print("sandbox-bench: \(runs) runs each, in alternating blocks of \(block); time of Sandbox.run(\"true\") from call to outcome")
        print("sandbox-bench: \(pad("unsandboxed")) p50 \(format(plain.p50)) ms   p99 \(format(plain.p99)) ms")
        print("sandbox-bench: \(pad("sandboxed")) p50 \(format(sandbox.p50)) ms   p99 \(format(sandbox.p99)) ms")
        print("sandbox-bench: \(pad("ratio")) p50 \(format(sandbox.p50 / plain.p50))x     p99 \(format(sandbox.p99 / plain.p99))x")
        print("sandbox-bench: Landlock ABI \(Sandbox.landlockABI)")
    }

    private func pad(_ text: String) -> String { text.padding(toLength: 12, withPad: " ", startingAt: 0) }
    private func format(_ value: Double) -> String { String(format: "%.2f", value) }
}

private struct Percentiles {
    var p50: Double
    var p99: Double

    init(_ values: [Double]) {
        let sorted = values.sorted()
        func at(_ fraction: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
        }
        p50 = at(0.50)
        p99 = at(0.99)
    }
}
