import Foundation
import NexusCore
import NexusModules
import NexusStore
import Testing

@Suite("The Lua sandbox", .serialized)
struct SandboxTests {
    @Test("an endless loop, a pcall-guarded loop and a loop in a coroutine are stopped by the instruction budget; the runtime goes on")
    func loops() async throws {
        let home = try ModuleTestHome(limits: ModuleLimits(instructions: 2_000_000, memoryBytes: 16 << 20, seconds: 30))
        defer { home.remove() }
        for body in ["while true do end",
                     "while true do pcall(function() while true do end end) end",
                     "local ok = pcall(function() while true do end end) return {survived = true}",
                     "coroutine.wrap(function() while true do end end)() return {}"] {
            let result = await home.runtime.run(try home.draft("looper", body: body), input: [:], context: home.context())
            #expect(result.failure == .instructionBudget, "\(body): \(result.outcome)")
        }
        let fine = await home.runtime.run(try home.draft("fine", body: "return {n = 1}"), input: [:], context: home.context())
        #expect(fine.output == ["n": 1])
    }

    @Test("unbounded allocation stops at the memory cap, even when the module catches the error")
    func memory() async throws {
        let home = try ModuleTestHome(limits: ModuleLimits(instructions: 500_000_000, memoryBytes: 8 << 20, seconds: 30))
        defer { home.remove() }
        for body in ["local t = {} local i = 0 while true do i = i + 1 t[i] = string.rep('x', 100) .. i end",
                     "return {s = string.rep('x', 1e9)}",
                     "local t = {} while true do pcall(function() t[#t + 1] = string.rep('y', 4096) .. #t end) end"] {
            let result = await home.runtime.run(try home.draft("hog", body: body), input: [:], context: home.context())
            #expect(result.failure == .memoryLimit, "\(body): \(result.outcome)")
            #expect(result.peakMemory <= 8 << 20)
        }
    }

    @Test("the wall-clock limit stops a call whose instruction budget is not yet spent")
    func wallClock() async throws {
        let home = try ModuleTestHome(limits: ModuleLimits(instructions: Int(1e15), memoryBytes: 16 << 20, seconds: 0.3))
        defer { home.remove() }
        let result = await home.runtime.run(try home.draft("slow", body: "while true do end", limits: ["instructions": 1e15]), input: [:], context: home.context())
        #expect(result.failure == .timeLimit)
    }

    @Test("an error is reported with the module's nexus:// chunk name and line")
    func errors() async throws {
        let home = try ModuleTestHome()
        defer { home.remove() }
        let record = try home.draft("broken", body: "local x = nil\nreturn x.field")
        let result = await home.runtime.run(record, input: [:], context: home.context())
        guard case .error(let message) = result.failure else { Issue.record("expected an error, got \(result.outcome)"); return }
        #expect(message.hasPrefix("nexus://\(record.id.prefix(20))"))
        #expect(message.contains(":5:"))
        #expect(message.contains("attempt to index a nil value"))
    }

    @Test("os, io, debug, package, dofile, loadfile and string.dump are absent; load refuses binary chunks")
    func missingLibraries() async throws {
        let home = try ModuleTestHome()
        defer { home.remove() }
        let body = """
            return {os = type(os), io = type(io), debug = type(debug), package = type(package), dofile = type(dofile),
                    loadfile = type(loadfile), dump = type(string.dump), binary = select(2, load("\\27Lua\\84\\0")),
                    text = load("return 1 + 1")()}
            """
        let result = await home.runtime.run(try home.draft("probe", body: body), input: [:], context: home.context())
        let output = try #require(result.output)
        for name in ["os", "io", "debug", "package", "dofile", "loadfile", "dump"] {
            #expect(output[name] == "nil", "\(name) is \(String(describing: output[name]))")
        }
        #expect(output["binary"]?.stringValue?.contains("binary") == true)
        #expect(output["text"] == 2)
    }

    @Test("nexus.call reaches only declared tools, under the caller's policy narrowed to the declared paths")
    func capabilities() async throws {
        let home = try ModuleTestHome()
        defer { home.remove() }
        try Data("inside".utf8).write(to: home.workspace.appendingPathComponent("a.txt"))
        try FileManager.default.createDirectory(at: home.workspace.appendingPathComponent("secret"), withIntermediateDirectories: true)
        try Data("hidden".utf8).write(to: home.workspace.appendingPathComponent("secret/b.txt"))
        let read = "return {text = nexus.call('filesystem_read', {path = input.path})}"

        let undeclared = await home.runtime.run(try home.draft("sneaky", body: read), input: ["path": "a.txt"], context: home.context())
        guard case .refused(let message) = undeclared.failure else { Issue.record("expected a refusal, got \(undeclared.outcome)"); return }
        #expect(message.contains("did not declare the tool 'filesystem_read'"))

        let reader = try home.draft("reader", body: read, capabilities: ["tools": ["filesystem_read"], "read": ["a.txt"]])
        let allowed = await home.runtime.run(reader, input: ["path": "a.txt"], context: home.context())
        #expect(allowed.output?["text"]?.stringValue?.hasSuffix("\ninside") == true)
        // The caller's policy allows the whole workspace; the module declared only a.txt.
        let narrowed = await home.runtime.run(reader, input: ["path": "secret/b.txt"], context: home.context())
        #expect({ if case .refused = narrowed.failure { true } else { false } }(), "\(narrowed.outcome)")
        // A module never gets more than its caller: declared ".", caller allows only "secret".
        let wide = try home.draft("wide", body: read, capabilities: ["tools": ["filesystem_read"], "read": ["."]])
        let capped = await home.runtime.run(wide, input: ["path": "a.txt"], context: home.context { $0.readablePaths = ["secret"] })
        #expect({ if case .refused = capped.failure { true } else { false } }(), "\(capped.outcome)")
    }

    @Test("a stored credential is preferred to the environment, under the same declaration and policy; validation never sees it")
    func storedCredentials() async throws {
        let home = try ModuleTestHome(environment: ["API_TOKEN": "from-env"], storedCredentials: ["API_TOKEN": "from-store"])
        defer { home.remove() }
        let body = "return {token = nexus.credential('API_TOKEN')}"
        let declared = try home.draft("client", body: body, capabilities: ["env": ["API_TOKEN"]])
        let passed = await home.runtime.run(declared, input: [:], context: home.context { $0.environment.append("API_TOKEN") })
        #expect(passed.output == ["token": "from-store"])
        let notPassed = await home.runtime.run(declared, input: [:], context: home.context())
        #expect({ if case .refused = notPassed.failure { true } else { false } }())
        // Validation runs the module's own tests with their stand-in values, never the stored secret.
        let tests: JSONValue = [["name": "stand-in", "input": [:], "env": ["API_TOKEN": "stand-in"], "expect": ["token": "stand-in"]]]
        try await home.release("checked", body: body, capabilities: ["env": ["API_TOKEN"]], tests: tests)
    }

    @Test("credentials must be declared by the module and passed by the policy")
    func credentials() async throws {
        let home = try ModuleTestHome(environment: ["API_TOKEN": "s3cret"])
        defer { home.remove() }
        let body = "return {token = nexus.credential('API_TOKEN')}"
        let undeclared = await home.runtime.run(try home.draft("nosy", body: body), input: [:], context: home.context { $0.environment.append("API_TOKEN") })
        #expect({ if case .refused = undeclared.failure { true } else { false } }())
        let declared = try home.draft("client", body: body, capabilities: ["env": ["API_TOKEN"]])
        let notPassed = await home.runtime.run(declared, input: [:], context: home.context())
        #expect({ if case .refused = notPassed.failure { true } else { false } }())
        let passed = await home.runtime.run(declared, input: [:], context: home.context { $0.environment.append("API_TOKEN") })
        #expect(passed.output == ["token": "s3cret"])
    }

    @Test("require loads a declared dependency from the graph, and nothing else")
    func holographicRequire() async throws {
        let home = try ModuleTestHome()
        defer { home.remove() }
        try await home.release("text_utils", body: "", code: """
            local U = {}
            function U.shout(s) return s:upper() .. "!" end
            function U.run(input) return {} end
            return U
            """)
        // The library's file is nowhere on disk: the graph is the only source.
        let user = try home.draft("shouter", body: "local u = require('text_utils') return {said = u.shout(input.word)}",
                                  dependencies: ["text_utils": "^1.0.0"])
        let result = await home.runtime.run(user, input: ["word": "hi"], context: home.context())
        #expect(result.output?["said"] == "HI!", "\(result.outcome)")
        let stranger = try home.draft("stranger", body: "return require('text_utils')")
        let refused = await home.runtime.run(stranger, input: [:], context: home.context())
        #expect({ if case .refused = refused.failure { true } else { false } }(), "\(refused.outcome)")
    }

    @Test("JSON crosses the boundary intact; input and output are checked against the manifest's schemas")
    func values() async throws {
        let home = try ModuleTestHome()
        defer { home.remove() }
        let echo = try home.draft("echo", body: "return {value = input.value, encoded = nexus.json.encode(nexus.json.decode('[1,2,{\"a\":null}]'))}")
        let value: JSONValue = ["list": [1, 2.5, "three", true, .null, [:], ["nested": ["x"]]], "empty": []]
        let result = await home.runtime.run(echo, input: ["value": value], context: home.context())
        #expect(result.output?["value"] == value)
        #expect(result.output?["encoded"] == "[1,2,{\"a\":null}]")

        let manifest: JSONValue = ["name": "typed", "version": "1.0.0", "description": "Typed.",
                                   "input": ["type": "object", "properties": ["n": ["type": "integer"]], "required": ["n"]],
                                   "output": ["type": "object", "properties": ["n": ["type": "string"]], "required": ["n"]]]
        let typed = try home.lifecycle.createDraft(manifest: manifest, code: "return {run = function(input) return {n = input.n} end}", actor: "test").record
        let badInput = await home.runtime.run(typed, input: ["n": "x"], context: home.context())
        guard case .error(let inputMessage) = badInput.failure else { Issue.record("\(badInput.outcome)"); return }
        #expect(inputMessage.contains("invalid input"))
        let badOutput = await home.runtime.run(typed, input: ["n": 3], context: home.context())
        guard case .badResult(let outputMessage) = badOutput.failure else { Issue.record("\(badOutput.outcome)"); return }
        #expect(outputMessage.contains("output schema"))
    }
}
