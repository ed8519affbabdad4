import Foundation
import Glibc
import NexusCore
import NexusTools
import Testing

/// Every file the sandbox writes stops at the file-size limit, sparse or not; `memoryBytes`
/// bounds the command's processes together where the machine has a writable memory cgroup.
@Suite(.enabled(if: sandboxSupported, "the sandbox needs Landlock"))
struct SandboxResourceEscapeTests {
    static let fileLimit = 1 << 20

    @Test func noFileGrowsPastTheFileSizeLimit() async throws {
        let fixture = try SandboxFixture()
        let sandbox = Sandbox(policy: fixture.policy(), workspace: fixture.workspace, fileSizeLimit: Self.fileLimit)
        // Python ignores SIGXFSZ, so each attempt sees EFBIG (27).
        let outcome = try await sandbox.run("python3", arguments: ["-c", """
            import os
            def attempt(name, call):
                try:
                    call()
                    print(name, "grew")
                except OSError as e:
                    print(name, e.errno)
            def sparse():
                with open("sparse.bin", "wb") as f:
                    f.seek(1 << 40)
                    f.write(b"x")
            def dense():
                with open("dense.bin", "wb") as f:
                    for _ in range(4):
                        f.write(b"x" * (1 << 20))
            attempt("sparse", sparse)
            attempt("dense", dense)
            attempt("truncate", lambda: os.truncate("dense.bin", 1 << 40))
            """])
        #expect(outcome.stdout == "sparse 27\ndense 27\ntruncate 27\n")
        for name in ["sparse.bin", "dense.bin"] {
            let size = (try? FileManager.default.attributesOfItem(atPath: fixture.workspace.appendingPathComponent(name).path)[.size] as? Int) ?? 0
            #expect(size <= Self.fileLimit, "\(name)")
        }
        try await fixture.expectStillWorking()
    }

    @Test func aProgramThatWritesPastTheLimitIsStoppedAndTheResultSaysWhy() async throws {
        let fixture = try SandboxFixture()
        let sandbox = Sandbox(policy: fixture.policy(), workspace: fixture.workspace, fileSizeLimit: Self.fileLimit)
        // cat is not pid 1 here, so SIGXFSZ ends it (128 + 25); as pid 1 it would see EFBIG.
        let child = try await sandbox.run("sh", arguments: ["-c", "cat /dev/zero > big.bin; echo status=$?"])
        #expect(child.stdout == "status=153\n")
        let size = try FileManager.default.attributesOfItem(atPath: fixture.workspace.appendingPathComponent("big.bin").path)[.size] as? Int
        #expect(size == Self.fileLimit)
        let first = try await sandbox.run("sh", arguments: ["-c", "exec cat /dev/zero > big2.bin"])
        #expect(first.exitCode == 1)
        #expect(first.stderr.contains("File too large"))
        // A process killed by SIGXFSZ is reported with the limit it hit.
        let killed = ProcessOutcome(exitCode: nil, signal: SIGXFSZ, stdout: "", stderr: "", truncated: false, timedOut: false, duration: 0.1)
        #expect(killed.summary(limits: SandboxFixture.limits).contains("file-size limit"))
    }

    @Test func theDefaultFileSizeLimitApplies() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.python("""
            import resource
            print(resource.getrlimit(resource.RLIMIT_FSIZE))
            """)
        #expect(outcome.stdout == "(\(Sandbox.defaultFileSizeLimit), \(Sandbox.defaultFileSizeLimit))\n")
    }

    @Test func theMemoryLimitScopeIsStated() {
        let scope = Sandbox.memoryLimitScope
        #expect(scope.hasPrefix("the command's processes together") || scope.hasPrefix("each process alone"))
    }

    @Test(.enabled(if: Sandbox.memoryLimitScope.hasPrefix("the command's processes together"), "no writable memory cgroup here"))
    func theMemoryLimitBoundsTheWholeProcessTree() async throws {
        let fixture = try SandboxFixture()
        var limits = SandboxFixture.limits
        limits.wallSeconds = 20
        limits.cpuSeconds = 15
        // Four children of 100 MB each: every one passes the 256 MB RLIMIT_AS, together they
        // pass the tree's 256 MB, and the kernel kills at the cgroup's limit.
        let outcome = try await fixture.python("""
            import os, time
            children = []
            for _ in range(4):
                pid = os.fork()
                if pid == 0:
                    block = bytearray(b"x") * (100 << 20)
                    time.sleep(3)
                    os._exit(0)
                children.append(pid)
            statuses = []
            for pid in children:
                _, status = os.waitpid(pid, 0)
                statuses.append(os.waitstatus_to_exitcode(status))
            print(sorted(statuses))
            """, policy: fixture.policy(limits: limits))
        #expect(outcome.memoryLimitHit)
        #expect(outcome.stdout.contains("-9") || outcome.signal == SIGKILL)
        try await fixture.expectStillWorking()
    }
}
