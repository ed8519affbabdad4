import Foundation
import NexusAgent
import NexusCore
import NexusStore
import NexusTools
import Testing

@Suite("Signed settings change the loop, within its budgets")
struct AgentSettingsTests {
    static func set(_ key: String, _ value: String, fixture: AgentFixture, home: URL) async throws -> ToolResult {
        try await fixture.signedSelfModify(home: home).run(["key": .string(key), "value": .string(value), "reason": "test"],
                                                      context: ToolContext(workspace: fixture.workspace.url, policy: .default))
    }

    @Test("a signed settings.max_steps of 2 stops a run that never answers after 2 steps")
    func maxStepsStopsRun() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let home = fixture.workspace.url.appendingPathComponent(".home")
        #expect(try await Self.set("settings.max_steps", "2", fixture: fixture, home: home).status == .ok)
        let configuration = try AgentConfiguration().applyingSignedSettings(database: fixture.database, home: home)
        #expect(configuration.maxSteps == 2)
        let (runner, _) = fixture.runner((0..<10).map { call("filesystem_read", "{\"path\": \"file\($0).txt\"}") }, configuration: configuration)
        let summary = try #require(try await fixture.collect(runner.start(task: "Loop", workspace: fixture.workspace.url, policy: .default)).summary)
        #expect(summary.status == .budgetExhausted)
        #expect(summary.steps.count == 2)
    }

    @Test("temperature, recalled memories and tokens per turn are applied; unsigned rows are not")
    func otherSettingsApplied() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let home = fixture.workspace.url.appendingPathComponent(".home")
        for (key, value) in [("settings.temperature", "0.4"), ("settings.recalled_memories", "0"), ("settings.max_tokens_per_turn", "256")] {
            #expect(try await Self.set(key, value, fixture: fixture, home: home).status == .ok)
        }
        try SelfModificationStore(database: fixture.database).set(key: "settings.max_steps", value: "1", reason: "inserted", actor: "user")
        let configuration = try AgentConfiguration().applyingSignedSettings(database: fixture.database, home: home)
        #expect(configuration.sampling.temperature == 0.4)
        #expect(configuration.recalledMemories == 0)
        #expect(configuration.maxTokensPerTurn == 256)
        #expect(configuration.maxSteps == AgentConfiguration().maxSteps)
    }

    @Test("a setting above the run's budget does not raise it")
    func settingNeverRaisesBudget() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let home = fixture.workspace.url.appendingPathComponent(".home")
        #expect(try await Self.set("settings.max_steps", "150", fixture: fixture, home: home).status == .ok)
        #expect(try await Self.set("settings.max_tokens_per_turn", "4096", fixture: fixture, home: home).status == .ok)
        // What a server whose ceiling is 3 steps hands the runner.
        let capped = try AgentConfiguration(maxSteps: 3, maxTokensPerTurn: 512).applyingSignedSettings(database: fixture.database, home: home)
        #expect(capped.maxSteps == 3)
        #expect(capped.maxTokensPerTurn == 512)
    }

    @Test("self_modify refuses a setting the loop does not read and a value out of range, and stores neither")
    func unknownAndOutOfRangeRefused() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let home = fixture.workspace.url.appendingPathComponent(".home")
        let unknown = try await Self.set("settings.verbosity", "3", fixture: fixture, home: home)
        #expect(unknown.status == .error)
        #expect(unknown.content.contains("settings.max_steps (a whole number from 1 to 200)"))
        #expect(!unknown.content.contains("\n"))
        for (key, value) in [("settings.max_steps", "0"), ("settings.max_steps", "2.5"), ("settings.temperature", "3"), ("settings.recalled_memories", "many")] {
            let refused = try await Self.set(key, value, fixture: fixture, home: home)
            #expect(refused.status == .error, "\(key)=\(value)")
            #expect(refused.content.contains("from"), "\(refused.content)")
        }
        #expect(try SelfModificationStore(database: fixture.database).currentAll().isEmpty)
        // Reading a key is still allowed, whatever it is.
        let context = ToolContext(workspace: fixture.workspace.url, policy: .default)
        #expect(try await fixture.signedSelfModify(home: home).run(["action": "get", "key": "settings.verbosity"], context: context).status == .ok)
    }
}
