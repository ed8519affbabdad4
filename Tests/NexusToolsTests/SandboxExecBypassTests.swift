import Foundation
import Glibc
import NexusCore
import NexusTools
import Testing

/// The command list holds by any route: the dynamic loader cannot start an unlisted program
/// (it cannot map code from a noexec mount), a copy of one in the workspace cannot run, and a
/// script's `#!` line cannot name an interpreter the policy does not list.
@Suite(.enabled(if: sandboxSupported, "the sandbox needs Landlock"))
struct SandboxExecBypassTests {
    #if arch(x86_64)
    static let loader = "/lib64/ld-linux-x86-64.so.2"
    #else
    static let loader = "/lib/ld-linux-aarch64.so.1"
    #endif

    @Test func theDynamicLoaderCannotStartAnUnlistedProgram() async throws {
        let fixture = try SandboxFixture()
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/id"))
        // `id` is not listed; `sh` is, and the loader must stay executable for every listed program.
        let outcome = try await fixture.shell("\(Self.loader) /usr/bin/id; echo status=$?")
        #expect(!outcome.stdout.contains("uid="))
        #expect(outcome.stdout.contains("status=127"))
        #expect(outcome.stderr.contains("failed to map segment"))
        try await fixture.expectStillWorking()
    }

    @Test func aCopiedProgramCannotRunFromTheWorkspace() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.shell("cat /usr/bin/id > myid; \(Self.loader) ./myid; echo loader=$?; ./myid; echo direct=$?")
        #expect(!outcome.stdout.contains("uid="))
        #expect(outcome.stdout.contains("loader=127"))
        #expect(outcome.stdout.contains("direct=126"))
        try await fixture.expectStillWorking()
    }

    @Test func codeInTheWorkspaceCannotBeMappedExecutable() async throws {
        let fixture = try SandboxFixture()
        // What the loader or ctypes would do with a copied library or program.
        let outcome = try await fixture.python("""
            import mmap, os
            open("blob.so", "wb").write(b"\\xc3" * 4096)
            fd = os.open("blob.so", os.O_RDONLY)
            try:
                mmap.mmap(fd, 4096, prot=mmap.PROT_READ | mmap.PROT_EXEC)
                print("mapped")
            except OSError as e:
                print("refused", e.errno)
            """)
        #expect(outcome.stdout == "refused 1\n")
        try await fixture.expectStillWorking()
    }

    @Test func aProgramCopiedIntoAMemfdCannotBeExecuted() async throws {
        let fixture = try SandboxFixture()
        // Landlock does not see memfds (they have no path); vm.memfd_noexec=2 keeps them noexec.
        let outcome = try await fixture.python("""
            import os
            try:
                fd = os.memfd_create("copy", 0)
                os.write(fd, open("/usr/bin/id", "rb").read())
                os.execv(f"/proc/self/fd/{fd}", ["id"])
            except OSError as e:
                print("refused", e.errno)
            """)
        #expect(outcome.stdout.hasPrefix("refused "))
        #expect(!outcome.stdout.contains("uid="))
        try await fixture.expectStillWorking()
    }

    @Test func aListedScriptCannotNameAnUnlistedInterpreter() async throws {
        let fixture = try SandboxFixture()
        let script = fixture.workspace.appendingPathComponent("run.sh")
        try "#!/usr/bin/id\n".write(to: script, atomically: false, encoding: .utf8)
        chmod(script.path, 0o755)
        let policy = fixture.policy(commands: (SandboxFixture.commands ?? []) + ["./run.sh"])
        do {
            let outcome = try await fixture.sandbox(policy).run("./run.sh", arguments: [])
            Issue.record("the script ran: \(outcome.stdout)")
        } catch let error as NexusError {
            #expect(error.code == .commandRefused)
            #expect(error.message.contains("#! line starts /usr/bin/id"))
        }
        // Started from inside the sandbox, the kernel refuses the interpreter (no execute right).
        let inside = try await fixture.shell("./run.sh; echo status=$?", policy: policy)
        #expect(!inside.stdout.contains("uid="))
        #expect(inside.stdout.contains("status=126"))
        try await fixture.expectStillWorking()
    }

    @Test func aShebangThroughTheLoaderCannotStartAnUnlistedProgram() async throws {
        let fixture = try SandboxFixture()
        let script = fixture.workspace.appendingPathComponent("via-loader.sh")
        // The kernel runs `ld.so /usr/bin/basename ./via-loader.sh`, which would print "via-loader.sh".
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/basename"))
        try "#!\(Self.loader) /usr/bin/basename\n".write(to: script, atomically: false, encoding: .utf8)
        chmod(script.path, 0o755)
        let policy = fixture.policy(commands: (SandboxFixture.commands ?? []) + ["./via-loader.sh"])
        let outcome = try await fixture.shell("./via-loader.sh; echo status=$?", policy: policy)
        #expect(outcome.stdout == "status=127\n")
        #expect(outcome.stderr.contains("failed to map segment"))
        try await fixture.expectStillWorking()
    }

    @Test func aListedScriptWithAListedInterpreterRuns() async throws {
        let fixture = try SandboxFixture()
        let script = fixture.workspace.appendingPathComponent("hello.sh")
        try "#!/bin/sh\necho hello from the script\n".write(to: script, atomically: false, encoding: .utf8)
        chmod(script.path, 0o755)
        let policy = fixture.policy(commands: (SandboxFixture.commands ?? []) + ["./hello.sh"])
        let outcome = try await fixture.sandbox(policy).run("./hello.sh", arguments: [])
        #expect(outcome.stdout == "hello from the script\n")
        #expect(outcome.exitCode == 0)
    }

    @Test func listedProgramsStillLoadTheirLibrariesAndModules() async throws {
        let fixture = try SandboxFixture()
        // ctypes and _ssl are extension modules mapped from Python's own library folder.
        let outcome = try await fixture.python("import ctypes, ssl, json; print(ctypes.CDLL(None).getpid() == 1)")
        #expect(outcome.stdout == "True\n")
        #expect(outcome.exitCode == 0)
    }
}
