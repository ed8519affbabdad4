import Foundation
import NexusCore
import NexusTools
import Testing

/// Sandbox CPU time, as metered: the kernel's count for the command's whole tree.
@Suite("Sandbox CPU time")
struct SandboxCPUTests {
    /// About a fifth of a second of CPU.
    private static let busy = "sum(range(10**7))"

    @Test("a busy command's CPU time is reported and added to the run's meter; a sleeping one adds almost none")
    func busyAndIdle() async throws {
        let fixture = try SandboxFixture()
        let meter = SandboxCPUMeter()
        let sandbox = Sandbox(policy: fixture.policy(), workspace: fixture.workspace, cpuMeter: meter)
        let busy = try await sandbox.run("python3", arguments: ["-c", Self.busy])
        #expect(busy.exitCode == 0 && busy.cpuSeconds > 0.05, "\(busy.cpuSeconds)")
        #expect(abs(meter.seconds - busy.cpuSeconds) < 1e-9)
        let idle = try await sandbox.run("sleep", arguments: ["0.3"])
        #expect(idle.cpuSeconds < 0.1 && idle.duration >= 0.3, "\(idle.cpuSeconds)")
    }

    @Test("the CPU time of a command's children counts: work done by a grandchild under sh is not lost")
    func descendantsCount() async throws {
        let fixture = try SandboxFixture()
        let meter = SandboxCPUMeter()
        let sandbox = Sandbox(policy: fixture.policy(), workspace: fixture.workspace, cpuMeter: meter)
        let outcome = try await sandbox.run("sh", arguments: ["-c", "python3 -c '\(Self.busy)' && echo done"])
        #expect(outcome.stdout == "done\n", "\(outcome.stderr)")
        #expect(outcome.cpuSeconds > 0.05 && meter.seconds > 0.05, "\(outcome.cpuSeconds)")
    }
}
