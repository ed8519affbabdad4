import Foundation
import Glibc
import NexusCore
import NexusTools
import Testing

/// A workspace and a folder beside it (outside the workspace) in a fresh temporary directory,
/// removed when the fixture goes away.
final class SandboxFixture {
    let root: URL
    let workspace: URL
    let outside: URL
    /// A file outside the workspace that no sandboxed command may read unless the policy says so.
    let secretFile: URL
    let secret: String

    init() throws {
        let id = UUID().uuidString.prefix(8)
        root = URL(fileURLWithPath: Self.realTemporaryDirectory()).appendingPathComponent("nexus-sandbox-\(id)")
        workspace = root.appendingPathComponent("workspace")
        outside = root.appendingPathComponent("outside")
        secretFile = outside.appendingPathComponent("secret.txt")
        secret = "outside-secret-\(id)"
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try secret.write(to: secretFile, atomically: false, encoding: .utf8)
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
    }

    /// Commands the tests use; `nil` allows any.
    static let commands: [String]? = ["sh", "cat", "ls", "echo", "true", "false", "ln", "touch", "python3", "env", "grep", "sleep", "pwd", "wc", "mkdir", "mv"]

    /// Small limits so that every attempt ends quickly.
    static let limits = ResourceLimits(cpuSeconds: 3, wallSeconds: 5, memoryBytes: 256 << 20, processes: 32, outputBytes: 64 << 10)

    func policy(readable: [String] = ["."], writable: [String] = ["."], commands: [String]? = SandboxFixture.commands,
                network: [String] = [], limits: ResourceLimits = SandboxFixture.limits) -> CapabilityPolicy {
        CapabilityPolicy(readablePaths: readable, writablePaths: writable, commands: commands, networkHosts: network, limits: limits)
    }

    func sandbox(_ policy: CapabilityPolicy? = nil) -> Sandbox {
        Sandbox(policy: policy ?? self.policy(), workspace: workspace)
    }

    func context(_ policy: CapabilityPolicy? = nil) -> ToolContext {
        ToolContext(workspace: workspace, policy: policy ?? self.policy())
    }

    /// Runs `sh -c script` in the default sandbox.
    func shell(_ script: String, policy: CapabilityPolicy? = nil) async throws -> ProcessOutcome {
        try await sandbox(policy).run("sh", arguments: ["-c", script])
    }

    /// Runs Python code in the default sandbox.
    func python(_ code: String, policy: CapabilityPolicy? = nil) async throws -> ProcessOutcome {
        try await sandbox(policy).run("python3", arguments: ["-c", code])
    }

    /// The test process and the sandbox still work after an attempt.
    func expectStillWorking(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let outcome = try await sandbox().run("echo", arguments: ["alive"])
        #expect(outcome.stdout == "alive\n", sourceLocation: sourceLocation)
        #expect(outcome.exitCode == 0, sourceLocation: sourceLocation)
    }

    private static func realTemporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.path
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// A TCP listener on 127.0.0.1 in the test process's network namespace.
final class LoopbackListener {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NexusError(.ioError, "socket failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 8) == 0 else { throw NexusError(.ioError, "bind/listen failed: errno \(errno)") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        self.fd = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    /// Whether a connection arrived within `seconds` (accepting and closing it). A sandboxed
    /// command's connection arrives through Nexus's relay, a moment after the command connected.
    func acceptedConnection(within seconds: Double = 1) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        _ = poll(&entry, 1, Int32(seconds * 1000))
        let client = accept(fd, nil, nil)
        if client >= 0 { close(client) }
        return client >= 0
    }

    deinit { close(fd) }
}

/// Python that connects to host:port and prints CONNECTED or the error (lingering a moment, so
/// that the relay has forwarded the connection before the sandbox ends).
func connectScript(port: UInt16, host: String = "127.0.0.1") -> String {
    """
    import socket, time
    try:
        s = socket.socket()
        s.settimeout(2)
        s.connect(("\(host)", \(port)))
        print("CONNECTED")
        time.sleep(0.3)
    except OSError as e:
        print("failed", e.errno, e.strerror)
    """
}

let sandboxSupported = Sandbox.landlockABI > 0

@Suite(.enabled(if: sandboxSupported, "the sandbox needs Landlock"))
struct SandboxTests {
    @Test func runsACommandAndReturnsItsOutput() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.sandbox().run("echo", arguments: ["hello", "world"])
        var expected = ProcessOutcome(exitCode: 0, signal: nil, stdout: "hello world\n", stderr: "", truncated: false,
                                      timedOut: false, duration: outcome.duration)
        expected.cpuSeconds = outcome.cpuSeconds
        #expect(outcome == expected)
        #expect(outcome.succeeded)
    }

    @Test func reportsExitCodeAndStderrSeparately() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.shell("echo out; echo err >&2; exit 3")
        #expect(outcome.exitCode == 3)
        #expect(outcome.stdout == "out\n")
        #expect(outcome.stderr == "err\n")
        #expect(!outcome.succeeded)
    }

    @Test func feedsStdin() async throws {
        let fixture = try SandboxFixture()
        let small = try await fixture.sandbox().run("cat", arguments: [], stdin: "line one\nline two\n")
        #expect(small.stdout == "line one\nline two\n")
        // More than a pipe holds, while the child writes its answer: no deadlock.
        let large = try await fixture.sandbox().run("wc", arguments: ["-c"], stdin: String(repeating: "x", count: 1 << 20))
        #expect(large.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1048576")
    }

    @Test func runsInTheWorkspaceAndMayWriteThere() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.shell("pwd; echo made > made.txt; mkdir -p sub && echo deeper > sub/file.txt; cat made.txt")
        #expect(outcome.stdout == fixture.workspace.path + "\nmade\n")
        #expect(try String(contentsOf: fixture.workspace.appendingPathComponent("sub/file.txt"), encoding: .utf8) == "deeper\n")
    }

    @Test func readsAReadablePathOutsideTheWorkspaceButCannotWriteIt() async throws {
        let fixture = try SandboxFixture()
        let policy = fixture.policy(readable: [".", fixture.outside.path])
        let read = try await fixture.sandbox(policy).run("cat", arguments: [fixture.secretFile.path])
        #expect(read.stdout == fixture.secret)
        let write = try await fixture.shell("echo changed > '\(fixture.secretFile.path)'", policy: policy)
        #expect(write.exitCode != 0)
        #expect(write.stderr.contains("Read-only file system"))  // the mount refuses before Landlock would
        #expect(try String(contentsOf: fixture.secretFile, encoding: .utf8) == fixture.secret)
    }

    @Test func passesOnlyThePolicysEnvironmentVariables() async throws {
        let fixture = try SandboxFixture()
        setenv("NEXUS_TEST_VISIBLE", "shown", 1)
        var policy = fixture.policy()
        policy.environment = ["PATH", "NEXUS_TEST_VISIBLE"]
        let outcome = try await fixture.sandbox(policy).run("env", arguments: [])
        let names = outcome.stdout.split(separator: "\n").map { String($0.prefix { $0 != "=" }) }.sorted()
        #expect(names == ["NEXUS_TEST_VISIBLE", "PATH"])
        #expect(outcome.stdout.contains("NEXUS_TEST_VISIBLE=shown\n"))
    }

    @Test func refusesACommandOutsideThePolicy() async throws {
        let fixture = try SandboxFixture()
        await #expect(throws: NexusError.self) { try await fixture.sandbox().run("rm", arguments: ["-rf", "."]) }
        do {
            _ = try await fixture.sandbox().run("rm", arguments: ["-rf", "."])
        } catch let error as NexusError {
            #expect(error.code == .commandRefused)
            #expect(error.message.contains("rm is not among the commands"))
        }
        // The same program by path is the same command.
        let byPath = try await fixture.sandbox().run("/bin/echo", arguments: ["by path"])
        #expect(byPath.stdout == "by path\n")
    }

    @Test func namesAProgramThatDoesNotExist() async throws {
        let fixture = try SandboxFixture()
        do {
            _ = try await fixture.sandbox(fixture.policy(commands: nil)).run("no-such-program-nexus", arguments: [])
            Issue.record("expected commandNotFound")
        } catch let error as NexusError {
            #expect(error.code == .commandNotFound)
        }
    }

    @Test func commandsStartedInsideTheSandboxAreLimitedToThePolicysList() async throws {
        let fixture = try SandboxFixture()
        // `sh` is allowed, `id` is not: Landlock's execute right keeps sh from starting it.
        let outcome = try await fixture.shell("id; echo status=$?")
        #expect(outcome.stdout.contains("status=126"))
        #expect(outcome.stderr.contains("Permission denied"))
        // With no command list, anything readable may run.
        let open = try await fixture.shell("id -u", policy: fixture.policy(commands: nil))
        #expect(open.exitCode == 0)
    }

    @Test func killsAtTheWallClockLimit() async throws {
        let fixture = try SandboxFixture()
        var limits = SandboxFixture.limits
        limits.wallSeconds = 1
        let outcome = try await fixture.sandbox(fixture.policy(limits: limits)).run("sleep", arguments: ["30"])
        #expect(outcome.timedOut)
        #expect(outcome.signal == SIGKILL)
        #expect(outcome.duration < 4)
        #expect(outcome.summary(limits: limits) == "killed after 1 s wall-clock limit")
    }

    @Test func capsOutputAndMarksItTruncated() async throws {
        let fixture = try SandboxFixture()
        var limits = SandboxFixture.limits
        limits.outputBytes = 1000
        let outcome = try await fixture.python("print('a' * 5000)", policy: fixture.policy(limits: limits))
        #expect(outcome.truncated)
        #expect(outcome.stdout == String(repeating: "a", count: 1000))
        #expect(outcome.exitCode == 0)
    }

    @Test func theChildStartsWithNoBlockedOrIgnoredSignals() async throws {
        // Swift concurrency threads block signals; a child must not inherit that mask.
        let fixture = try SandboxFixture()
        let outcome = try await fixture.sandbox().run("grep", arguments: ["-E", "^Sig(Blk|Ign)", "/proc/self/status"])
        #expect(outcome.stdout == "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n")
    }

    @Test func isPidOneOfItsOwnNamespace() async throws {
        let fixture = try SandboxFixture()
        let sandboxed = try await fixture.python("import os; print(os.getpid(), [p for p in os.listdir('/proc') if p.isdigit()])")
        #expect(sandboxed.stdout == "1 ['1']\n")  // /proc shows the sandbox's processes only
        let plain = try await Sandbox.unsandboxed(policy: fixture.policy(), workspace: fixture.workspace).run("sh", arguments: ["-c", "echo $$"])
        #expect(plain.stdout != "1\n")
        #expect(plain.exitCode == 0)
    }

    @Test func reachesAnAllowedLoopbackPortOnly() async throws {
        let fixture = try SandboxFixture()
        let listener = try LoopbackListener()
        let allowed = try await fixture.python(connectScript(port: listener.port), policy: fixture.policy(network: ["127.0.0.1:\(listener.port)"]))
        #expect(allowed.stdout == "CONNECTED\n")
        #expect(listener.acceptedConnection())
        // Network allowed, but only another port: Landlock refuses this one (EACCES).
        let other = listener.port == 65535 ? listener.port - 1 : listener.port + 1
        let denied = try await fixture.python(connectScript(port: listener.port), policy: fixture.policy(network: ["127.0.0.1:\(other)"]))
        #expect(denied.stdout == "failed 13 Permission denied\n")
        #expect(!listener.acceptedConnection())
    }

    @Test func cancellingTheTaskKillsTheCommand() async throws {
        let fixture = try SandboxFixture()
        let sandbox = fixture.sandbox()
        let started = ContinuousClock.now
        let task = Task { try await sandbox.run("sleep", arguments: ["30"]) }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let result = await task.result
        #expect(ContinuousClock.now - started < .seconds(4))
        #expect(throws: NexusError.self) { try result.get() }
    }

    @Test func waitingDoesNotHoldTheCooperativePool() async throws {
        // Six one-second sleeps at once: with the waits on the cooperative pool (one thread
        // per core) they would queue up; on their own threads they overlap.
        let fixture = try SandboxFixture()
        let sandbox = fixture.sandbox()
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: ProcessOutcome.self) { group in
            for _ in 0..<6 { group.addTask { try await sandbox.run("sleep", arguments: ["1"]) } }
            for try await outcome in group { #expect(outcome.exitCode == 0) }
        }
        #expect(ContinuousClock.now - started < .seconds(2.9))
    }
}

@Suite(.enabled(if: sandboxSupported, "the sandbox needs Landlock"))
struct ExecuteCommandToolTests {
    @Test func runsAProgramWithArguments() async throws {
        let fixture = try SandboxFixture()
        let result = try await ExecuteCommandTool().run(["command": "echo", "args": ["a b", "$HOME"]], context: fixture.context())
        #expect(result == .ok("exit code 0\nstdout:\na b $HOME"))
    }

    @Test func anEmptyArgumentListBesideACommandLineRunsTheLine() async throws {
        let fixture = try SandboxFixture()
        let result = try await ExecuteCommandTool().run(["command": "echo a b", "args": []], context: fixture.context())
        #expect(result == .ok("exit code 0\nstdout:\na b"))
    }

    @Test func splitsASimpleCommandLineWithoutAShell() async throws {
        let fixture = try SandboxFixture()
        // sh is not allowed, yet quotes work: the line is split by Nexus.
        let policy = fixture.policy(commands: ["echo"])
        let result = try await ExecuteCommandTool().run(["command": #"echo 'single quoted' "double \"quoted\"" back\ slash"#], context: fixture.context(policy))
        #expect(result == .ok(#"exit code 0\#nstdout:\#nsingle quoted double "quoted" back slash"#))
    }

    @Test func refusesShellSyntaxWithoutSh() async throws {
        let fixture = try SandboxFixture()
        let result = try await ExecuteCommandTool().run(["command": "echo hi | cat"], context: fixture.context(fixture.policy(commands: ["echo", "cat"])))
        #expect(result.status == .refused)
        #expect(result.content.contains("shell syntax (|)"))
    }

    @Test func runsShellSyntaxThroughShWhenAllowed() async throws {
        let fixture = try SandboxFixture()
        let result = try await ExecuteCommandTool().run(["command": "echo one two | wc -w && echo done >&2"], context: fixture.context())
        #expect(result.status == .ok)
        #expect(result.content == "exit code 0\nstdout:\n2\nstderr:\ndone")
    }

    @Test func reportsAFailingCommandAsAnError() async throws {
        let fixture = try SandboxFixture()
        let result = try await ExecuteCommandTool().run(["command": "cat", "args": ["missing.txt"]], context: fixture.context())
        #expect(result.status == .error)
        #expect(result.content.hasPrefix("exit code 1\nstderr:\ncat: missing.txt: No such file or directory"))
    }

    @Test func refusesACommandOutsideThePolicy() async throws {
        let fixture = try SandboxFixture()
        let result = try await ExecuteCommandTool().run(["command": "rm -rf ."], context: fixture.context())
        #expect(result.status == .refused)
        #expect(result.content.contains("rm is not among the commands"))
    }

    @Test func saysWhenItKilledACommand() async throws {
        let fixture = try SandboxFixture()
        var limits = SandboxFixture.limits
        limits.wallSeconds = 1
        let result = try await ExecuteCommandTool().run(["command": "sleep 20"], context: fixture.context(fixture.policy(limits: limits)))
        #expect(result == .error("killed after 1 s wall-clock limit\n(no output)"))
    }

    @Test func marksTruncatedOutput() async throws {
        let fixture = try SandboxFixture()
        var limits = SandboxFixture.limits
        limits.outputBytes = 100
        let result = try await ExecuteCommandTool().run(["command": "python3", "args": ["-c", "print('x' * 1000)"]],
                                                        context: fixture.context(fixture.policy(limits: limits)))
        #expect(result.status == .ok)
        #expect(result.truncated)
        #expect(result.content.contains("[output cut at 100 bytes"))
    }

    @Test func pythonExecuteRunsCodeInTheWorkspace() async throws {
        let fixture = try SandboxFixture()
        try "41".write(to: fixture.workspace.appendingPathComponent("n.txt"), atomically: false, encoding: .utf8)
        let result = try await PythonExecuteTool().run(["code": "print(int(open('n.txt').read()) + 1)"], context: fixture.context())
        #expect(result == .ok("exit code 0\nstdout:\n42"))
    }

    @Test func pythonExecuteReportsTheTraceback() async throws {
        let fixture = try SandboxFixture()
        let result = try await PythonExecuteTool().run(["code": "1 / 0"], context: fixture.context())
        #expect(result.status == .error)
        #expect(result.content.hasPrefix("exit code 1\nstderr:\nTraceback"))
        #expect(result.content.contains("ZeroDivisionError"))
    }

    @Test("python_execute runs code as a model means it", arguments: [
        // Statements joined onto one line, compound ones among them.
        ("import csv; with open('s.csv') as f: rows = csv.reader(f); next(rows); print(sum(int(r[1]) for r in rows))", "exit code 0\nstdout:\n7"),
        ("if 1 > 2: print('a'); else: print('b')", "exit code 0\nstdout:\nb"),
        ("f = lambda x: x * 2; for i in range(2): print(f(i))", "exit code 0\nstdout:\n0\n2"),
        // A stray closing brace: the JSON around the code, written once too often.
        ("for i in range(2): print(i)}", "exit code 0\nstdout:\n0\n1"),
        // A last expression, or a last top-level return, is shown as the REPL shows it.
        ("x = [3, 1, 2]; sorted(x)", "exit code 0\nstdout:\n[1, 2, 3]"),
        ("def double(a):\n    return a * 2\nreturn double(21)", "exit code 0\nstdout:\n42"),
        // A return outside any function ends the program with its value, wherever it stands.
        ("with open('s.csv') as f:\n    rows = f.read().split()[1:]\n    return len(rows)\nprint('never')", "exit code 0\nstdout:\n2"),
        ("print('once')", "exit code 0\nstdout:\nonce"),
        ("import sys; sys.argv", "exit code 0\nstdout:\n['-c']"),
        // A standard-library module used but never imported is imported for the code.
        ("shutil.copy('s.csv', 't.csv'); print(os.path.getsize('t.csv'))", "exit code 0\nstdout:\n17"),
        // A name the code binds itself is left alone, whatever module shares it.
        ("class json:\n    dumps = str\nprint(json.dumps(3))", "exit code 0\nstdout:\n3"),
    ])
    func pythonExecuteReadsCodeAsMeant(code: String, expected: String) async throws {
        let fixture = try SandboxFixture()
        try "item,qty\na,3\nb,4\n".write(to: fixture.workspace.appendingPathComponent("s.csv"), atomically: false, encoding: .utf8)
        #expect(try await PythonExecuteTool().run(["code": .string(code)], context: fixture.context()) == .ok(expected))
    }

    @Test func pythonExecuteStillFailsWhatPythonRejects() async throws {
        let fixture = try SandboxFixture()
        let unseparated = try await PythonExecuteTool().run(["code": "x = [1] for y in x: print(y)"], context: fixture.context())
        #expect(unseparated.status == .error)
        #expect(unseparated.content.contains("SyntaxError"))
        let missing = try await PythonExecuteTool().run(["code": "import pandas_that_is_not_here"], context: fixture.context())
        #expect(missing.content.contains("ModuleNotFoundError"))
        #expect(missing.content.contains("use the standard library"))
        // The traceback shows the code's frames, not the runner's.
        let failing = try await PythonExecuteTool().run(["code": "print('ok'); 1 / 0"], context: fixture.context())
        #expect(failing.content.contains("stdout:\nok"))
        #expect(failing.content.contains("File \"<code>\", line 1"))
        #expect(!failing.content.contains("_nexus_main"))
        // A header row read as a number points at the header.
        try "item,qty\na,3\n".write(to: fixture.workspace.appendingPathComponent("h.csv"), atomically: false, encoding: .utf8)
        let header = try await PythonExecuteTool().run(["code": "import csv\nprint(sum(int(r[1]) for r in csv.reader(open('h.csv'))))"],
                                                       context: fixture.context())
        #expect(header.content.contains("ValueError"))
        #expect(header.content.contains("csv.DictReader reads it as the field names"))
        // A function taken from the wrong module names the modules that have it.
        let misplaced = try await PythonExecuteTool().run(["code": "import os\nos.copy('h.csv', 'g.csv')"], context: fixture.context())
        #expect(misplaced.content.contains("AttributeError"))
        #expect(misplaced.content.contains("[os has no copy; shutil.copy exists]"))
        // A command line passed to subprocess as one program's name is shown as a list.
        let joined = try await PythonExecuteTool().run(["code": "import subprocess\nsubprocess.run('python3 --version')"], context: fixture.context())
        #expect(joined.content.contains("FileNotFoundError"))
        #expect(joined.content.contains("pass a list (['python3', '--version']) or shell=True"))
        // len() of a reader says to make a list first.
        let counted = try await PythonExecuteTool().run(["code": "import csv\nprint(len(csv.DictReader(open('h.csv'))))"], context: fixture.context())
        #expect(counted.content.contains("[DictReader is read one item at a time and has no length: make a list of it first"))
        // A program waiting for someone to type is told nobody will.
        let asks = try await PythonExecuteTool().run(["code": "folder = input('Folder: ')\nprint(folder)"], context: fixture.context())
        #expect(asks.content.contains("EOFError"))
        #expect(asks.content.contains("nobody types here"))
        let exits = try await PythonExecuteTool().run(["code": "import sys; sys.exit(3)"], context: fixture.context())
        #expect(exits.content.hasPrefix("exit code 3"))
    }

    @Test func pythonExecuteKeepsWhatEarlierCodeOfTheRunDefined() async throws {
        let fixture = try SandboxFixture()
        var context = fixture.context()
        context.earlierCode = [
            "import json\ndef double(x):\n    return 2 * x\nclass Box:\n    size = 3\nprint('ran before')\nopen('made.txt', 'w').write('x')",
            "def broken(:",   // does not parse: passed over
        ]
        let later = try await PythonExecuteTool().run(["code": "print(double(Box.size), json.dumps([1]))"], context: context)
        #expect(later == .ok("exit code 0\nstdout:\n6 [1]"))
        // Only definitions come back: the earlier statements are not run again.
        #expect(!FileManager.default.fileExists(atPath: fixture.workspace.appendingPathComponent("made.txt").path))
        // Code that defines the same name again uses its own.
        let redefined = try await PythonExecuteTool().run(["code": "def double(x):\n    return 3 * x\nprint(double(2))"], context: context)
        #expect(redefined == .ok("exit code 0\nstdout:\n6"))
        // Outside a run, nothing is carried over.
        let alone = try await PythonExecuteTool().run(["code": "print(double(1))"], context: fixture.context())
        #expect(alone.content.contains("NameError"))
        // Long histories keep their newest code.
        let cells = (0..<100).map { "def f\($0)():\n    return \($0)\n" + String(repeating: "#", count: 1_000) }
        let kept = PythonExecuteTool.earlierCells(cells)
        #expect(kept.utf8.count <= PythonExecuteTool.maxEarlierBytes + 1_000 && kept.contains("def f99") && !kept.contains("def f0("))
        // ... and that much still reaches the sandboxed program.
        context.earlierCode = cells
        let newest = try await PythonExecuteTool().run(["code": "print(f99())"], context: context)
        #expect(newest == .ok("exit code 0\nstdout:\n99"))
    }

    @Test func pythonExecuteNeedsPython3InThePolicy() async throws {
        let fixture = try SandboxFixture()
        let result = try await PythonExecuteTool().run(["code": "print(1)"], context: fixture.context(fixture.policy(commands: ["sh"])))
        #expect(result.status == .refused)
        #expect(result.content.contains("python3 is not among the commands"))
    }

    @Test func pythonExecuteTakesLongCodeOnStdin() async throws {
        let fixture = try SandboxFixture()
        let code = "x = 0\n" + String(repeating: "x += 1\n", count: 20_000) + "print(x)\n"
        let result = try await PythonExecuteTool().run(["code": .string(code)], context: fixture.context())
        #expect(result == .ok("exit code 0\nstdout:\n20000"))
    }
}
