import Foundation
import NexusCore
import NexusInference
import Testing

/// A benchmark, not a unit test: what the gateway adds to a call, against calling the same
/// backend directly, interleaved in one run. The backend is an in-memory script, so the figure
/// is the gateway's own work (planning, budgets, the attempt's timeout race, metering). It makes
/// no timing assertion and runs only from `bench/gateway.sh` (NEXUS_BENCH_GATEWAY=1).
@Suite(.serialized)
struct GatewayBenchmark {
    static let enabled = ProcessInfo.processInfo.environment["NEXUS_BENCH_GATEWAY"] == "1"

    @Test(.enabled(if: enabled, "benchmark: run bench/gateway.sh"))
    func overheadPerCall() async throws {
        let runs = Int(ProcessInfo.processInfo.environment["NEXUS_BENCH_RUNS"] ?? "") ?? 5000
        let direct = ScriptedBackend(name: "direct", responses: Array(repeating: "The answer is 42.", count: runs + 200))
        let routed = ScriptedBackend(name: "routed", responses: Array(repeating: "The answer is 42.", count: runs + 200))
        var configuration = GatewayConfiguration(defaultModel: "routed")
        configuration.budgets.purposes[.chat] = Int.max / 2
        configuration.budgets.orgs["default"] = Int.max / 2
        let gateway = Gateway(configuration: configuration, makeBackend: { _, _ in routed })
        let backend = gateway.backend(for: .chat)
        let request = GenerationRequest(prompt: .chat([.user("What is the answer?")]), maxTokens: 16)

        for _ in 0..<100 {  // warm up: first-use allocations, the route's backend made once
            _ = try await direct.complete(request)
            _ = try await backend.complete(request)
        }
        var directTimes: [Double] = []
        var gatewayTimes: [Double] = []
        for index in 0..<runs {
            for viaGateway in index.isMultiple(of: 2) ? [true, false] : [false, true] {
                let started = ContinuousClock.now
                _ = try await (viaGateway ? backend as any InferenceBackend : direct).complete(request)
                let seconds = (ContinuousClock.now - started).inSeconds
                if viaGateway { gatewayTimes.append(seconds) } else { directTimes.append(seconds) }
            }
        }
        func percentile(_ values: [Double], _ fraction: Double) -> Double {
            let sorted = values.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
        }
        for (name, fraction) in [("p50", 0.5), ("p99", 0.99)] {
            let plain = percentile(directTimes, fraction) * 1000
            let routedMs = percentile(gatewayTimes, fraction) * 1000
            print(String(format: "gateway-bench: %@ direct %.3f ms, through the gateway %.3f ms, overhead %.3f ms", name, plain, routedMs, routedMs - plain))
        }
        print("gateway-bench: \(runs) calls each, interleaved; target: overhead at p50 ≤ 0.5 ms")
        #expect(await gateway.recentCalls().count == min(runs + 100, Gateway.recentLimit), "every call is metered")
    }
}
