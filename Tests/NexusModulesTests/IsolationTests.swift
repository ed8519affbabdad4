import Foundation
import Glibc
import NexusCore
import NexusModules
import NexusStore
import Testing

/// A module cannot hurt its host: Lua code that escapes the in-process hook, spins in C, or
/// crashes the interpreter ends only its own worker process, and the caller gets an error.
@Suite("Module isolation", .serialized)
struct IsolationTests {
    static let budget = ModuleLimits(instructions: 2_000_000, memoryBytes: 8 << 20, seconds: 20)

    @Test("a __gc finalizer cannot run work outside the instruction budget")
    func finalizerBudgetEscape() async throws {
        let home = try ModuleTestHome(limits: Self.budget)
        defer { home.remove() }
        // Garbage makes the collector run the finalizer, where Lua's hooks are off.
        let body = """
            local count = 0
            setmetatable({}, {__gc = function() for i = 1, 3e7 do count = count + 1 end end})
            for i = 1, 2e5 do local garbage = {i} end
            return {count = count}
            """
        let result = await home.runtime.run(try home.draft("finalizer", body: body), input: [:], context: home.context())
        #expect(result.output == nil, "the finalizer ran: \(result.outcome)")
        guard case .error(let message) = result.failure else { Issue.record("expected an error, got \(result.outcome)"); return }
        #expect(message.contains("__gc"))
    }

    @Test("a __gc placeholder replaced after setmetatable is refused too")
    func finalizerPlaceholder() async throws {
        let home = try ModuleTestHome(limits: Self.budget)
        defer { home.remove() }
        let body = """
            local mt = {__gc = true}
            local t = setmetatable({}, mt)
            mt.__gc = function() while true do end end
            t = nil
            for i = 1, 2e5 do local garbage = {i} end
            return {}
            """
        let result = await home.runtime.run(try home.draft("placeholder", body: body), input: [:], context: home.context())
        guard case .error(let message) = result.failure else { Issue.record("expected an error, got \(result.outcome)"); return }
        #expect(message.contains("__gc"))
    }

    @Test("an xpcall message handler cannot spin after the budget is spent")
    func xpcallHandlerEscape() async throws {
        let home = try ModuleTestHome(limits: Self.budget)
        defer { home.remove() }
        let body = """
            xpcall(function() while true do end end, function(message) while true do end end)
            return {}
            """
        let start = ContinuousClock.now
        let result = await home.runtime.run(try home.draft("handler", body: body), input: [:], context: home.context())
        #expect(result.failure == .instructionBudget, "\(result.outcome)")
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test("a to-be-closed value of a coroutine the budget killed cannot spin when the coroutine is closed")
    func closeHandlerEscape() async throws {
        let home = try ModuleTestHome(limits: Self.budget)
        defer { home.remove() }
        let spin = "local guard <close> = setmetatable({}, {__close = function() while true do end end}) while true do end"
        for body in ["coroutine.wrap(function() \(spin) end)() return {}",
                     "local co = coroutine.create(function() \(spin) end) coroutine.resume(co) coroutine.close(co) return {}"] {
            let start = ContinuousClock.now
            let result = await home.runtime.run(try home.draft("closing", body: body), input: [:], context: home.context())
            #expect(result.failure == .instructionBudget, "\(body): \(result.outcome)")
            #expect(ContinuousClock.now - start < .seconds(10), "\(body)")
        }
    }

    @Test("xpcall still calls the handler for an ordinary error, and yields across it work")
    func xpcallStillWorks() async throws {
        let home = try ModuleTestHome(limits: Self.budget)
        defer { home.remove() }
        let body = """
            local ok, handled = xpcall(function() error("boom", 0) end, function(m) return "handled " .. m end)
            local co = coroutine.wrap(function() return xpcall(function() coroutine.yield(1) return 2 end, print) end)
            return {ok = ok, handled = handled, first = co(), second = select(2, co())}
            """
        let result = await home.runtime.run(try home.draft("handled", body: body), input: [:], context: home.context())
        #expect(result.output == ["ok": false, "handled": "handled boom", "first": 1, "second": 2], "\(result.outcome)")
    }

    @Test("a finalizer cannot allocate past the memory cap when the state closes")
    func finalizerAtClose() async throws {
        let home = try ModuleTestHome(limits: Self.budget)
        defer { home.remove() }
        let body = """
            keep = setmetatable({}, {__gc = function() local t = {} for i = 1, 2e7 do t[i] = i end end})
            return {}
            """
        let result = await home.runtime.run(try home.draft("closer", body: body), input: [:], context: home.context())
        #expect(result.output == nil, "the finalizer was accepted: \(result.outcome)")
        #expect(result.peakMemory <= 8 << 20)
    }

    @Test("a call stuck in a C function is killed at its limit and leaves no thread spinning")
    func stuckCallIsReclaimed() async throws {
        let home = try ModuleTestHome(limits: ModuleLimits(instructions: 2_000_000, memoryBytes: 8 << 20, seconds: 1))
        defer { home.remove() }
        // A backtracking pattern: one C call that never returns to the VM, so no hook runs.
        let body = "return {found = string.rep('a', 30000):find('.-.-.-.-b') ~= nil}"
        let result = await home.runtime.run(try home.draft("pattern", body: body), input: [:], context: home.context())
        #expect(result.failure == .timeLimit, "\(result.outcome)")
        let before = Self.processCPUSeconds()
        try await Task.sleep(for: .seconds(1.5))
        let spent = Self.processCPUSeconds() - before
        #expect(spent < 0.5, "the host kept spending CPU after the call ended: \(spent) s in 1.5 s")
    }

    @Test("30,000 chained coroutine.close calls end in an error, and the host survives")
    func coroutineCloseChain() async throws {
        let home = try ModuleTestHome(limits: ModuleLimits(instructions: 50_000_000, memoryBytes: 64 << 20, seconds: 20))
        defer { home.remove() }
        // Each coroutine's to-be-closed value closes the previous coroutine: C recursion that
        // Lua 5.4.4 does not count, so the chain overflows the C stack.
        func chain(_ close: String) -> String {
            """
            local previous
            for i = 1, 30000 do
              local inner = previous
              local co = coroutine.create(function()
                local guard <close> = setmetatable({}, {__close = function() if inner then \(close) end end})
                coroutine.yield()
              end)
              coroutine.resume(co)
              previous = co
            end
            local ok, message = coroutine.close(previous)
            return {ok = ok, message = message}
            """
        }
        let loud = await home.runtime.run(try home.draft("loud", body: chain("assert(coroutine.close(inner))")), input: [:], context: home.context())
        #expect(loud.output?["ok"] == false, "\(loud.outcome)")
        #expect(loud.output?["message"]?.stringValue?.contains("coroutine.close nested more than") == true, "\(loud.outcome)")
        let quiet = await home.runtime.run(try home.draft("quiet", body: chain("coroutine.close(inner)")), input: [:], context: home.context())
        if case .crashed = quiet.failure { Issue.record("the interpreter crashed: \(quiet.outcome)") }
        // This process is still here, and the next call runs.
        let after = await home.runtime.run(try home.draft("after", body: "return {n = 1}"), input: [:], context: home.context())
        #expect(after.output == ["n": 1])
    }

    @Test("a worker that dies without a result ends only itself; the caller gets a clear error and nothing is left")
    func workerCrashIsContained() async throws {
        let home = try ModuleTestHome(limits: ModuleLimits(instructions: Int(1e15), memoryBytes: 8 << 20, seconds: 10))
        defer { home.remove() }
        let known = Self.workerProcesses()
        let record = try home.draft("victim", body: "while true do end", limits: ["instructions": 1e15])
        async let running = home.runtime.run(record, input: [:], context: home.context())
        // End the worker from outside, as a crash of the interpreter would. (The worker is pid 1
        // of its namespace, so only SIGKILL reaches it from here; a real SIGSEGV is delivered.)
        var killed = false
        for _ in 0..<100 where !killed {
            try await Task.sleep(for: .milliseconds(50))
            for pid in Self.workerProcesses().subtracting(known) {
                killed = kill(pid, SIGKILL) == 0 || killed
            }
        }
        #expect(killed, "no worker process was found")
        let start = ContinuousClock.now
        let result = await running
        #expect(ContinuousClock.now - start < .seconds(5), "the caller waited for the call's own limit")
        guard case .crashed(let message) = result.failure else { Issue.record("expected a crash report, got \(result.outcome)"); return }
        #expect(message.contains("victim@1.0.0"))
        #expect(message.contains("signal 9"))
        #expect(Self.workerProcesses().subtracting(known).isEmpty, "a worker outlived its call")
        let after = await home.runtime.run(try home.draft("after", body: "return {n = 1}"), input: [:], context: home.context())
        #expect(after.output == ["n": 1])
    }

    @Test("a missing worker program is a clear error naming it and how to build it")
    func missingWorker() async throws {
        let home = try ModuleTestHome()
        defer { home.remove() }
        let runtime = ModuleRuntime(database: home.database, tools: home.runtime.tools,
                                    worker: LuaWorker(executable: home.url.appendingPathComponent("no-such-worker")))
        let result = await runtime.run(try home.draft("lonely", body: "return {}"), input: [:], context: home.context())
        guard case .error(let message) = result.failure else { Issue.record("expected an error, got \(result.outcome)"); return }
        #expect(message.contains("no-such-worker"))
        #expect(message.contains("nexus-lua-worker"))
    }

    @Test("validation compiles the code in a worker too: a syntax error names its line, and nothing compiles in-process")
    func compileInWorker() async throws {
        let home = try ModuleTestHome()
        defer { home.remove() }
        try home.draft("typo", body: "return {x = }")
        let report = try await home.lifecycle.validate("typo")
        let failure = try #require(report.failures.first { $0.stage == "static" })
        #expect(failure.message.contains(":4:") && failure.message.contains("unexpected symbol"), "\(failure.message)")
        // Without a worker the check fails rather than parsing the source in this process.
        let lonely = ModuleRuntime(database: home.database, tools: home.runtime.tools,
                                   worker: LuaWorker(executable: home.url.appendingPathComponent("no-such-worker")))
        try home.draft("fine", body: "return {}")
        let refused = try await ModuleLifecycle(runtime: lonely, ledger: home.ledger).validate("fine")
        #expect(refused.failures.first { $0.stage == "static" }?.message.contains("no-such-worker") == true)
    }

    /// CPU seconds this process has used (every thread).
    static func processCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Pids of running (not zombie) worker processes, seen from the host's /proc.
    static func workerProcesses() -> Set<pid_t> {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var found = Set<pid_t>()
        for entry in entries {
            guard let pid = pid_t(entry),
                  let status = try? String(contentsOfFile: "/proc/\(entry)/status", encoding: .utf8) else { continue }
            let lines = status.split(separator: "\n")
            guard lines.first == "Name:\tnexus-lua-worke" || lines.first == "Name:\tnexus-lua-worker" else { continue }
            if lines.contains(where: { $0.hasPrefix("State:") && $0.contains("Z") }) { continue }
            found.insert(pid)
        }
        return found
    }
}
