import Foundation
import Glibc
import NexusCore
import NexusTools
import Testing

/// Attempts to get out of the sandbox. Each one must be refused or contained, be visible in
/// the outcome, and leave the test process (and the next sandboxed command) working. The
/// limits are small (`SandboxFixture.limits`: 3 s CPU, 5 s wall, 256 MB, 32 processes) so that
/// every attempt ends within seconds.
@Suite(.enabled(if: sandboxSupported, "the sandbox needs Landlock"))
struct SandboxEscapeTests {
    // MARK: - Files

    @Test func readingEtcShadowIsDenied() async throws {
        let fixture = try SandboxFixture()
        try #require(FileManager.default.fileExists(atPath: "/etc/shadow"))
        let outcome = try await fixture.sandbox().run("cat", arguments: ["/etc/shadow"])
        #expect(outcome.exitCode == 1)
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr == "cat: /etc/shadow: Permission denied\n")
        try await fixture.expectStillWorking()
    }

    @Test func dotDotOutOfTheWorkspaceIsDenied() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.shell("cat ../outside/secret.txt; ls ..")
        #expect(!outcome.stdout.contains(fixture.secret))
        #expect(outcome.stderr.contains("cat: ../outside/secret.txt: Permission denied"))
        #expect(outcome.stderr.contains("ls: cannot open directory '..': Permission denied"))
        try await fixture.expectStillWorking()
    }

    @Test func aSymlinkPlantedInTheWorkspaceLeadsNowhere() async throws {
        let fixture = try SandboxFixture()
        try FileManager.default.createSymbolicLink(atPath: fixture.workspace.appendingPathComponent("shadow").path, withDestinationPath: "/etc/shadow")
        try FileManager.default.createSymbolicLink(atPath: fixture.workspace.appendingPathComponent("secret").path, withDestinationPath: fixture.secretFile.path)
        let outcome = try await fixture.shell("cat shadow; cat secret")
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr == "cat: shadow: Permission denied\ncat: secret: Permission denied\n")
        // Nor can the sandbox plant one itself and follow it.
        let own = try await fixture.shell("ln -s /etc/shadow mine && cat mine")
        #expect(own.stdout.isEmpty)
        #expect(own.stderr == "cat: mine: Permission denied\n")
        try await fixture.expectStillWorking()
    }

    @Test func aSymlinkAsAPolicyPathDoesNotWidenTheNextRun() async throws {
        // A command plants `data -> /etc`; a policy that lists `data` as readable must not
        // grant /etc on the next run.
        let fixture = try SandboxFixture()
        _ = try await fixture.shell("ln -s /etc data")
        let outcome = try await fixture.sandbox(fixture.policy(readable: [".", "data"])).run("cat", arguments: ["data/shadow"])
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr.contains("Permission denied"))
        try await fixture.expectStillWorking()
    }

    @Test func theSandboxCannotHardLinkAnOutsideFileIn() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.shell("ln '\(fixture.secretFile.path)' stolen.txt; ln /etc/shadow shadow.txt")
        // Landlock refuses links across its rules with EXDEV, so that `mv` falls back to a copy,
        // which then needs read access to the source and is denied in turn.
        #expect(outcome.exitCode != 0)
        #expect(outcome.stderr.contains("'stolen.txt' => '\(fixture.secretFile.path)': Invalid cross-device link"))
        #expect(outcome.stderr.contains("'shadow.txt' => '/etc/shadow': Invalid cross-device link"))
        #expect(!FileManager.default.fileExists(atPath: fixture.workspace.appendingPathComponent("stolen.txt").path))
        #expect(!FileManager.default.fileExists(atPath: fixture.workspace.appendingPathComponent("shadow.txt").path))
        let moved = try await fixture.shell("mv '\(fixture.secretFile.path)' moved.txt")
        #expect(moved.exitCode != 0)
        #expect(FileManager.default.fileExists(atPath: fixture.secretFile.path))
        try await fixture.expectStillWorking()
    }

    /// Documented limit: Landlock checks the path used, not the inode. A hard link to an outside
    /// file that someone *outside* the sandbox put in a readable folder reads like any file
    /// there. Nexus's own file tools refuse files with more than one link; a command cannot be
    /// stopped from reading it. If this expectation ever fails, the kernel got stricter: update
    /// the `Sandbox` documentation.
    @Test func aHardLinkPlantedFromOutsideIsReadable_documentedLimit() async throws {
        let fixture = try SandboxFixture()
        let planted = fixture.workspace.appendingPathComponent("planted.txt")
        try #require(link(fixture.secretFile.path, planted.path) == 0)
        let outcome = try await fixture.sandbox().run("cat", arguments: ["planted.txt"])
        #expect(outcome.stdout == fixture.secret)
        // Writing through it is possible too when the workspace is writable; the original
        // folder stays out of reach.
        let folder = try await fixture.sandbox().run("ls", arguments: [fixture.outside.path])
        #expect(folder.exitCode != 0)
        try await fixture.expectStillWorking()
    }

    @Test func procSelfRootDoesNotReachTheHostRoot() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.sandbox().run("cat", arguments: ["/proc/self/root/etc/shadow"])
        #expect(outcome.stdout.isEmpty)
        #expect(outcome.stderr == "cat: /proc/self/root/etc/shadow: Permission denied\n")
        let secret = try await fixture.sandbox().run("cat", arguments: ["/proc/self/root" + fixture.secretFile.path])
        #expect(!secret.stdout.contains(fixture.secret))
        try await fixture.expectStillWorking()
    }

    @Test func procShowsOnlyTheSandboxNotNexus() async throws {
        let fixture = try SandboxFixture()
        setenv("NEXUS_TEST_SECRET", "parent-secret-value", 1)
        // pid 1 is the sandboxed command itself, with the policy's environment only.
        let pidOne = try await fixture.sandbox().run("cat", arguments: ["/proc/1/environ"])
        #expect(pidOne.exitCode == 0)
        #expect(!pidOne.stdout.contains("parent-secret-value"))
        #expect(pidOne.stdout.contains("PATH="))
        // The test process is not in the sandbox's /proc at all.
        let parent = try await fixture.sandbox().run("cat", arguments: ["/proc/\(getpid())/environ"])
        #expect(parent.exitCode != 0)
        #expect(!parent.stdout.contains("parent-secret-value"))
        try await fixture.expectStillWorking()
    }

    @Test func writingOutsideTheWorkspaceIsDenied() async throws {
        let fixture = try SandboxFixture()
        let target = fixture.outside.appendingPathComponent("pwned.txt")
        let tmp = "/tmp/nexus-pwned-\(UUID().uuidString)"
        let outcome = try await fixture.shell("echo pwned > ../outside/pwned.txt; touch \(tmp); rm -f ../outside/secret.txt; echo x >> /etc/passwd")
        #expect(outcome.exitCode != 0)
        // Two layers refuse these: the read-only mount answers first (EROFS), Landlock behind it.
        #expect(outcome.stderr.contains("cannot create ../outside/pwned.txt: Read-only file system"))
        #expect(outcome.stderr.contains("touch: cannot touch '\(tmp)': Read-only file system"))
        #expect(outcome.stderr.contains("cannot create /etc/passwd: Read-only file system"))
        #expect(!FileManager.default.fileExists(atPath: target.path))
        #expect(!FileManager.default.fileExists(atPath: tmp))
        #expect(FileManager.default.fileExists(atPath: fixture.secretFile.path))
        try await fixture.expectStillWorking()
    }

    // MARK: - Network

    @Test func aLoopbackListenerIsUnreachableWithoutNetwork() async throws {
        let fixture = try SandboxFixture()
        let listener = try LoopbackListener()
        let outcome = try await fixture.python(connectScript(port: listener.port))
        // A network namespace of its own (loopback down) and Landlock's TCP rules (EACCES).
        #expect(outcome.stdout.hasPrefix("failed "))
        #expect(!outcome.stdout.contains("CONNECTED"))
        #expect(!listener.acceptedConnection())
        try await fixture.expectStillWorking()
    }

    @Test func unixSocketsToHostServicesAreDenied() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.python("""
            import socket
            try:
                socket.socket(socket.AF_UNIX).connect("/run/dbus/system_bus_socket")
            except OSError as e:
                print("failed", e.errno)
            a, b = socket.socketpair()
            a.send(b"pair ok"); print(b.recv(16).decode())
            """)
        #expect(outcome.stdout == "failed 1\npair ok\n")
        try await fixture.expectStillWorking()
    }

    // MARK: - Resources

    @Test func aForkBombIsBounded() async throws {
        let fixture = try SandboxFixture()
        // Count how many processes the sandbox can hold: the pid namespace's pid_max (kernel
        // 6.14+, at least 301) bounds it even for root, for whom the kernel ignores RLIMIT_NPROC.
        let counted = try await fixture.python("""
            import os, time
            n = 0
            while True:
                try:
                    if os.fork() == 0:
                        time.sleep(30)
                        os._exit(0)
                    n += 1
                except OSError as e:
                    print(n, e.errno)
                    break
            """)
        let fields = counted.stdout.split(separator: " ")
        let count = try #require(fields.first.flatMap { Int($0) })
        #expect(count <= max(SandboxFixture.limits.processes, 301))
        #expect(fields.last == "11\n")  // EAGAIN
        #expect(counted.duration < 5)   // the sleeping children die with pid 1

        // The classic bomb: it ends, by the wall-clock kill or because pid 1 itself cannot fork
        // any more and exits, and either way its whole tree goes with it.
        var limits = SandboxFixture.limits
        limits.wallSeconds = 2
        let script = "b() { b | b & }; b; wait  # nexus-fork-bomb"
        let bomb = try await fixture.shell(script, policy: fixture.policy(limits: limits))
        #expect(bomb.timedOut || bomb.exitCode != nil)
        #expect(bomb.duration < limits.wallSeconds + 2)
        try await Task.sleep(for: .milliseconds(300))
        #expect(hostProcesses(withCommandLineContaining: "nexus-fork-bomb") == 0)
        try await fixture.expectStillWorking()
    }

    @Test func aMemoryBombFailsToAllocate() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.python("""
            blocks = []
            while True:
                blocks.append(bytearray(16 << 20))
            """)
        #expect(outcome.exitCode == 1)
        #expect(outcome.stderr.contains("MemoryError"))
        #expect(!outcome.timedOut)
        try await fixture.expectStillWorking()
    }

    @Test func anInfiniteLoopStopsAtTheCPULimit() async throws {
        let fixture = try SandboxFixture()
        var limits = SandboxFixture.limits
        limits.cpuSeconds = 1
        limits.wallSeconds = 10  // the CPU limit, not the wall clock, must end it
        let outcome = try await fixture.python("while True: pass", policy: fixture.policy(limits: limits))
        #expect(outcome.signal == SIGKILL)  // SIGXCPU at 1 s is ignored by a pid 1; SIGKILL at 2 s is not
        #expect(!outcome.timedOut)
        #expect(outcome.summary(limits: limits) == "killed by SIGKILL (signal 9), probably at the 1 s CPU-time limit")
        try await fixture.expectStillWorking()
    }

    @Test func aFloodOfOutputIsCutWithoutBlockingTheChild() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.python("""
            import sys
            chunk = "x" * 65536
            for _ in range(256):
                sys.stdout.write(chunk)
                sys.stderr.write(chunk)
            sys.stdout.flush()
            """)
        #expect(outcome.exitCode == 0)  // 32 MB written and the child was never stuck
        #expect(outcome.truncated)
        #expect(outcome.stdout.utf8.count + outcome.stderr.utf8.count == SandboxFixture.limits.outputBytes)
        #expect(!outcome.timedOut)
        try await fixture.expectStillWorking()
    }

    // MARK: - Environment

    @Test func aSecretEnvironmentVariableOfTheParentIsNotPassed() async throws {
        let fixture = try SandboxFixture()
        setenv("NEXUS_TEST_SECRET", "parent-secret-value", 1)
        let outcome = try await fixture.shell("echo \"[$NEXUS_TEST_SECRET]\"; env")
        #expect(outcome.stdout.hasPrefix("[]\n"))
        #expect(!outcome.stdout.contains("parent-secret-value"))
        let names = Set(outcome.stdout.split(separator: "\n").dropFirst().map { String($0.prefix { $0 != "=" }) })
        #expect(names.isSubset(of: ["PATH", "LANG", "HOME", "TERM", "PWD"]))  // PWD is set by sh
        try await fixture.expectStillWorking()
    }

    @Test func ldPreloadCannotPullInAnOutsideLibrary() async throws {
        let fixture = try SandboxFixture()
        let library = fixture.outside.appendingPathComponent("evil.so")
        try Data("not really a library".utf8).write(to: library)
        // The variable is not passed from Nexus; set by the command itself, the loader cannot
        // open the library (Landlock), and what runs is still confined.
        let outcome = try await fixture.shell("LD_PRELOAD='\(library.path)' cat /etc/shadow")
        #expect(outcome.stderr.contains("cannot be preloaded"))
        #expect(outcome.stderr.contains("cat: /etc/shadow: Permission denied"))
        #expect(outcome.stdout.isEmpty)
        try await fixture.expectStillWorking()
    }

    // MARK: - Other processes and the kernel

    @Test func signallingTheParentReachesNothing() async throws {
        let fixture = try SandboxFixture()
        let parent = getpid()
        let outcome = try await fixture.shell("kill -TERM \(parent); echo status=$?; kill -KILL -1; echo all=$?")
        #expect(outcome.stdout.contains("status=1"))
        #expect(outcome.stderr.contains("No such process"))
        let python = try await fixture.python("""
            import os, signal
            try:
                os.kill(\(parent), signal.SIGKILL)
            except OSError as e:
                print("failed", e.errno)
            """)
        #expect(python.stdout == "failed 3\n")  // ESRCH: Nexus is not in the sandbox's pid namespace
        try await fixture.expectStillWorking()
    }

    @Test func theCommandHoldsNoCapabilitiesAndCannotGainAny() async throws {
        // Root of its own user namespace until execve; nothing left after it.
        let fixture = try SandboxFixture()
        let outcome = try await fixture.sandbox().run("grep", arguments: ["-E", "^(CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):", "/proc/self/status"])
        #expect(outcome.stdout == """
            CapPrm:\t0000000000000000
            CapEff:\t0000000000000000
            CapBnd:\t0000000000000000
            CapAmb:\t0000000000000000
            NoNewPrivs:\t1
            Seccomp:\t2

            """)
        try await fixture.expectStillWorking()
    }

    @Test func ptraceIsDenied() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.python("""
            import ctypes, os
            libc = ctypes.CDLL(None, use_errno=True)
            for name, request, pid in (("traceme", 0, 0), ("attach-parent", 16, \(getpid())), ("attach-init", 16, 1)):
                ctypes.set_errno(0)
                result = libc.ptrace(request, pid, None, None)
                print(name, result, ctypes.get_errno())
            """)
        #expect(outcome.stdout == "traceme -1 1\nattach-parent -1 1\nattach-init -1 1\n")
        try await fixture.expectStillWorking()
    }

    @Test func mountingAndNewNamespacesAreDenied() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.python("""
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            ctypes.set_errno(0)
            print("mount", libc.mount(b"none", b"/tmp", b"tmpfs", 0, None), ctypes.get_errno())
            ctypes.set_errno(0)
            print("bind", libc.mount(b"/etc", b"/usr", None, 4096, None), ctypes.get_errno())
            ctypes.set_errno(0)
            print("unshare", libc.unshare(0x10000000), ctypes.get_errno())
            """)
        #expect(outcome.stdout == "mount -1 1\nbind -1 1\nunshare -1 1\n")
        try await fixture.expectStillWorking()
    }

    #if arch(x86_64) || arch(arm64)
    @Test func dangerousSystemCallsFailWithEPERM() async throws {
        let fixture = try SandboxFixture()
        #if arch(x86_64)
        let calls: [(String, Int)] = [
            ("ptrace", 101), ("mount", 165), ("umount2", 166), ("pivot_root", 155), ("chroot", 161), ("unshare", 272),
            ("setns", 308), ("bpf", 321), ("perf_event_open", 298), ("keyctl", 250), ("add_key", 248), ("request_key", 249),
            ("io_uring_setup", 425), ("init_module", 175), ("finit_module", 313), ("delete_module", 176), ("kexec_load", 246),
            ("kexec_file_load", 320), ("reboot", 169), ("swapon", 167), ("swapoff", 168), ("open_by_handle_at", 304),
            ("userfaultfd", 323), ("process_vm_readv", 310), ("open_tree", 428), ("fsopen", 430), ("syslog", 103),
            ("acct", 163),
        ]
        let clone = 56, clone3 = 435
        #else
        let calls: [(String, Int)] = [
            ("ptrace", 117), ("mount", 40), ("umount2", 39), ("pivot_root", 41), ("chroot", 51), ("unshare", 97),
            ("setns", 268), ("bpf", 280), ("perf_event_open", 241), ("keyctl", 219), ("add_key", 217), ("request_key", 218),
            ("io_uring_setup", 425), ("init_module", 105), ("finit_module", 273), ("delete_module", 106), ("kexec_load", 104),
            ("kexec_file_load", 294), ("reboot", 142), ("swapon", 224), ("swapoff", 225), ("open_by_handle_at", 265),
            ("userfaultfd", 282), ("process_vm_readv", 270), ("open_tree", 428), ("fsopen", 430), ("syslog", 116),
            ("acct", 89),
        ]
        let clone = 220, clone3 = 435
        #endif
        let table = calls.map { "(\"\($0.0)\", \($0.1))" }.joined(separator: ", ")
        let outcome = try await fixture.python("""
            import ctypes
            libc = ctypes.CDLL(None, use_errno=True)
            libc.syscall.restype = ctypes.c_long
            for name, number in [\(table)]:
                ctypes.set_errno(0)
                result = libc.syscall(number, 0, 0, 0, 0, 0, 0)
                print(name, result, ctypes.get_errno())
            ctypes.set_errno(0)
            print("clone-newns", libc.syscall(\(clone), 0x20000 | 17, 0, 0, 0, 0), ctypes.get_errno())
            ctypes.set_errno(0)
            print("clone3", libc.syscall(\(clone3), 0, 0), ctypes.get_errno())
            """)
        let expected = calls.map { "\($0.0) -1 1\n" }.joined() + "clone-newns -1 1\nclone3 -1 38\n"
        #expect(outcome.stdout == expected)
        try await fixture.expectStillWorking()
    }
    #endif
}

/// How many processes on the host (as the test process sees /proc) have `text` in their
/// command line.
private func hostProcesses(withCommandLineContaining text: String) -> Int {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.filter { $0.allSatisfy(\.isNumber) }.filter { pid in
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: data, as: UTF8.self).contains(text)
    }.count
}
