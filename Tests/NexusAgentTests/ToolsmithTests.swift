import Foundation
import NexusAgent
import NexusCore
import NexusInference
import NexusModules
import NexusStore
import NexusTesting
import NexusTools
import Testing

/// The toolsmith's bounded loop with a scripted model and the real module validator: repair from
/// the merged report, held-out examples that no prompt shows, terminal failures, repeated
/// fingerprints, the attempt bound, and approval.
@Suite("Toolsmith: building modules from a description")
struct ToolsmithTests {
    static let counting = """
        local M = {}
        function M.run(input)
          local n = 0
          for _ in string.gmatch(input.text, "%S+") do n = n + 1 end
          return { count = n }
        end
        return M
        """
    static let alwaysZero = "local M = {}\nfunction M.run(input) return { count = 0 } end\nreturn M"
    /// Right for every visible example (each has two words), wrong for the held-out one.
    static let alwaysTwo = "local M = {}\nfunction M.run(input) return { count = 2 } end\nreturn M"
    static let readsAFile = "local M = {}\nfunction M.run(input) return { count = #nexus.call(\"filesystem_read\", {path = \"a.txt\"}) } end\nreturn M"

    static func answer(_ code: String) -> String {
        "```lua\n\(code)\n```\ntests: []"
    }

    static let specification = try! ModuleSpecification(description: "Count the words in a text", examples: [
        .init(input: ["text": "a b"], output: ["count": 2]),
        .init(input: ["text": "hello world"], output: ["count": 2]),
        .init(input: ["text": "x  y"], output: ["count": 2]),
        .init(input: ["text": "one two three"], output: ["count": 3]),
    ])

    struct Bench {
        let fixture: AgentFixture
        let home: TemporaryDirectory
        let runtime: ModuleRuntime
        let lifecycle: ModuleLifecycle
        let backend: RecordingBackend

        init(_ responses: [String]) throws {
            fixture = try AgentFixture()
            home = try TemporaryDirectory()
            runtime = ModuleRuntime(database: fixture.database, tools: fixture.tools)
            lifecycle = ModuleLifecycle(runtime: runtime, ledger: Ledger(database: fixture.database, home: home.url))
            backend = RecordingBackend(wrapping: ScriptedBackend(name: "toolsmith", responses: responses))
        }

        func toolsmith(maxAttempts: Int = 10) -> Toolsmith {
            var toolsmith = Toolsmith(builder: backend, repairer: backend, lifecycle: lifecycle, database: fixture.database)
            toolsmith.maxAttempts = maxAttempts
            return toolsmith
        }

        func prompts() -> [String] {
            backend.requests.map { request in
                guard case .chat(let messages) = request.prompt else { return "" }
                return messages.map(\.content).joined(separator: "\n")
            }
        }

        func remove() {
            fixture.workspace.remove()
            home.remove()
        }
    }

    @Test("a wrong first module is repaired from its report, then promoted, installed and callable")
    func repairs() async throws {
        let bench = try Bench([Self.answer(Self.alwaysZero), Self.answer(Self.counting)])
        defer { bench.remove() }
        let outcome = try await bench.toolsmith().build(Self.specification, actor: "test")
        #expect(outcome.status == .validated)
        #expect(outcome.attempts == 2)
        #expect(outcome.module == "count_words_text@1.0.0")
        #expect(try bench.runtime.installedTools().map(\.name) == ["count_words_text"])
        let prompts = bench.prompts()
        #expect(prompts.count == 2)
        #expect(prompts[1].contains("M.run({\"text\":\"a b\"}) returned {\"count\":0} but must return {\"count\":2}"))
        // The held-out example is in no prompt.
        #expect(prompts.allSatisfy { !$0.contains("one two three") })
        let stored = try #require(try ModuleBuildStore(database: bench.fixture.database).build(outcome.buildID))
        #expect(stored.build.status == .validated)
        #expect(stored.attempts.map(\.purpose) == ["build", "repair"])
        #expect(stored.attempts[0].fingerprint.hasPrefix("wrong_output|"))
        #expect(stored.attempts[1].fingerprint.isEmpty)
        let record = try bench.lifecycle.find("count_words_text", preferring: .promoted)
        let result = await bench.runtime.run(record, input: ["text": "four words right here"],
                                             context: ToolContext(workspace: bench.fixture.workspace.url, policy: .default))
        guard case .success(let output) = result.outcome else {
            Issue.record("the installed module failed: \(result.outcome)")
            return
        }
        #expect(output == ["count": 4])
    }

    @Test("a module that only fits the visible examples is not accepted, and the repair is not shown the held-out case")
    func heldOut() async throws {
        let bench = try Bench([Self.answer(Self.alwaysTwo), Self.answer(Self.counting)])
        defer { bench.remove() }
        let outcome = try await bench.toolsmith().build(Self.specification, actor: "test")
        #expect(outcome.status == .validated && outcome.attempts == 2)
        let prompts = bench.prompts()
        #expect(prompts[1].contains("passes the examples but fails 1 of 1 other cases"))
        #expect(prompts.allSatisfy { !$0.contains("one two three") })
        let stored = try #require(try ModuleBuildStore(database: bench.fixture.database).build(outcome.buildID))
        #expect(stored.attempts[0].fingerprint == "held_out|1|")
    }

    @Test("a module that reaches for a tool it may not use ends the build at once")
    func terminal() async throws {
        let bench = try Bench([Self.answer(Self.readsAFile), Self.answer(Self.counting)])
        defer { bench.remove() }
        let outcome = try await bench.toolsmith().build(Self.specification, actor: "test")
        #expect(outcome.status == .failed)
        #expect(outcome.attempts == 1)
        #expect(outcome.reason.contains("filesystem_read"))
        #expect(try bench.runtime.installedTools().isEmpty)
        #expect(try ModuleStore(database: bench.fixture.database).all().isEmpty, "no draft is made of a failed build")
    }

    @Test("the same failure again ends the line of repair; the fourth time ends the build")
    func repeatedFingerprint() async throws {
        let bench = try Bench(Array(repeating: Self.answer(Self.alwaysZero), count: 10))
        defer { bench.remove() }
        let outcome = try await bench.toolsmith().build(Self.specification, actor: "test")
        #expect(outcome.status == .failed)
        #expect(outcome.attempts == 4)
        #expect(outcome.repeatedFingerprints >= 1)
        #expect(outcome.reason.contains("came back 4 times"))
        let stored = try #require(try ModuleBuildStore(database: bench.fixture.database).build(outcome.buildID))
        // Build, a repair that changed nothing, then a fresh build from the description.
        #expect(stored.attempts.map(\.purpose) == ["build", "repair", "build", "repair"])
    }

    @Test("a build stops at its attempt bound with the last failure")
    func bounded() async throws {
        // Four different failures: a wrong result, a syntax error, a runtime error, a result that is not a table.
        let broken = [Self.alwaysZero, "local M = {}\nfunction M.run(input) return { count = ( } end\nreturn M",
                      "local M = {}\nfunction M.run(input) return { count = input.missing.field } end\nreturn M",
                      "local M = {}\nfunction M.run(input) return function() end end\nreturn M"].map(Self.answer)
        let bench = try Bench(broken + [Self.answer(Self.counting)])
        defer { bench.remove() }
        let outcome = try await bench.toolsmith(maxAttempts: 4).build(Self.specification, actor: "test")
        #expect(outcome.status == .failed)
        #expect(outcome.attempts == 4)
        #expect(outcome.reason.contains("within 4 attempts"))
        let stored = try #require(try ModuleBuildStore(database: bench.fixture.database).build(outcome.buildID))
        #expect(Set(stored.attempts.map(\.fingerprint)).count == 4)
        // The syntax error's repair prompt names the line and quotes its code.
        let prompts = bench.prompts()
        #expect(prompts[2].contains("compiles: line 2: "), "\(prompts[2])")
        #expect(prompts[2].contains("(line 2: `function M.run(input) return { count = ( } end`)"))
    }

    @Test("a runtime error reaches the repair with the call that raised it, its line and that line's code")
    func runtimeErrorReport() async throws {
        let failing = "local M = {}\nfunction M.run(input)\n  return { count = input.missing.field }\nend\nreturn M"
        let bench = try Bench([Self.answer(failing), Self.answer(Self.counting)])
        defer { bench.remove() }
        _ = try await bench.toolsmith().build(Self.specification, actor: "test")
        let repair = bench.prompts()[1]
        #expect(repair.contains(#"M.run({"text":"a b"}): line 3: attempt to index a nil value"#), "\(repair)")
        #expect(repair.contains("(line 3: `return { count = input.missing.field }`)"))
    }

    @Test("an answer that is not the JSON asked for is reported back, not fatal")
    func malformedAnswer() async throws {
        let bench = try Bench(["```lua\n```\n", Self.answer(Self.counting)])
        defer { bench.remove() }
        let outcome = try await bench.toolsmith().build(Self.specification, actor: "test")
        #expect(outcome.status == .validated && outcome.attempts == 2)
    }

    @Test("under approval = required the module waits as a validated draft until an admin approves it")
    func approval() async throws {
        let bench = try Bench([Self.answer(Self.counting)])
        defer { bench.remove() }
        var toolsmith = bench.toolsmith()
        toolsmith.approval = .required
        let outcome = try await toolsmith.build(Self.specification, actor: "test")
        #expect(outcome.status == .validated && outcome.awaitingApproval)
        #expect(try bench.runtime.installedTools().isEmpty)
        let crystallizer = Crystallizer(database: bench.fixture.database, lifecycle: bench.lifecycle)
        _ = try crystallizer.decide("count_words_text", approve: true, actor: "key:admin")
        #expect(try bench.runtime.installedTools().map(\.name) == ["count_words_text"])
    }

    @Test("the answer grammar admits a module and its tests, and nothing without the Lua block")
    func grammar() throws {
        #expect(try JSONSchemaGrammar.matches(grammar: ToolsmithPrompt.grammar,
                                              text: "```lua\nlocal M = {}\nreturn M\n```\ntests: [{\"input\": {\"text\": \"a\"}, \"expect\": {\"count\": 1}}]"))
        #expect(try !JSONSchemaGrammar.matches(grammar: ToolsmithPrompt.grammar, text: "{\"code\": \"return M\"}"))
    }

    @Test("build_module is refused unless the policy grants build_modules, then builds a module that waits for approval")
    func agentTool() async throws {
        let bench = try Bench([Self.answer(Self.counting)])
        defer { bench.remove() }
        let tool = BuildModuleTool(database: bench.fixture.database) {
            var toolsmith = bench.toolsmith()
            toolsmith.approval = .required
            return toolsmith
        }
        let arguments: JSONValue = ["description": "Count the words in a text", "examples": .array((Self.specification.visible + Self.specification.heldOut).map {
            ["input": .object($0.input), "output": $0.output]
        })]
        var policy = CapabilityPolicy.default
        #expect(!tool.isUsable(under: policy))
        let refused = try await tool.run(arguments, context: ToolContext(workspace: bench.fixture.workspace.url, policy: policy))
        #expect(refused.status == .refused)
        #expect(bench.backend.requests.isEmpty, "a refused call asks no model")
        policy = try PolicyFile.parse("build_modules = true\n", format: .toml, source: "test.toml")
        #expect(tool.isUsable(under: policy))
        let built = try await tool.run(arguments, context: ToolContext(workspace: bench.fixture.workspace.url, policy: policy, runID: "run_1"))
        #expect(built.status == .ok && built.content.contains("waits for a person's approval"), "\(built.content)")
        #expect(try bench.runtime.installedTools().isEmpty)
        #expect(try ModuleApprovalStore(database: bench.fixture.database).list().map(\.requestedBy) == ["run:run_1"])
        // A module called from a run never carries the grant on.
        #expect(ModuleCapabilities().narrowing(policy, workspace: bench.fixture.workspace.url).buildModules == false)
    }

    @Test("examples are split so that at least one is held out, and too few are refused")
    func split() throws {
        #expect(Self.specification.visible.count == 3 && Self.specification.heldOut.count == 1)
        let two = try ModuleSpecification(description: "Double a number", examples: [
            .init(input: ["n": 1], output: ["n": 2]), .init(input: ["n": 2], output: ["n": 4]),
        ])
        #expect(two.visible.count == 1 && two.heldOut.count == 1 && two.name == "double_number")
        #expect(throws: NexusError.self) {
            try ModuleSpecification(description: "Double a number", examples: [.init(input: ["n": 1], output: ["n": 2])])
        }
        #expect(throws: NexusError.self) { try ModuleSpecification(description: "  ", examples: two.visible + two.heldOut) }
        let many = (0...ModuleSpecification.maxExamples).map { ModuleSpecification.Example(input: ["n": .number(Double($0))], output: ["n": 0]) }
        #expect(throws: NexusError.self) { try ModuleSpecification(description: "Zero", examples: many) }
    }

    @Test("a built-in tool's name is refused before any model is asked")
    func builtInName() async throws {
        let bench = try Bench([Self.answer(Self.counting)])
        defer { bench.remove() }
        let specification = try ModuleSpecification(description: "Read a file", examples: Self.specification.visible + Self.specification.heldOut,
                                                    name: "filesystem_read")
        await #expect(throws: NexusError.self) { _ = try await bench.toolsmith().build(specification, actor: "test") }
        #expect(bench.backend.requests.isEmpty)
        #expect(try ModuleBuildStore(database: bench.fixture.database).list().isEmpty)
    }
}
