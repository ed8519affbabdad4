import Foundation
import NexusCore
import NexusStore
import Testing

@Suite struct ToolStatsStoreTests {
    @Test func countsCallsByOutcome() throws {
        let store = ToolStatsStore(database: try NexusDatabase.inMemory())
        try store.record(tool: "filesystem_read", status: .ok, durationSeconds: 0.5)
        try store.record(tool: "filesystem_read", status: .error, durationSeconds: 0.25)
        try store.record(tool: "filesystem_read", status: .refused, durationSeconds: -1)
        try store.record(tool: "web_fetch", status: .ok, durationSeconds: 2)
        let all = try store.all()
        #expect(all.map(\.tool) == ["filesystem_read", "web_fetch"])
        let read = all[0]
        #expect(read.calls == 3 && read.ok == 1 && read.errors == 1 && read.refused == 1)
        #expect(read.totalSeconds == 0.75 && read.averageSeconds == 0.25)
        #expect(read.lastUsedAt != nil)
        #expect(try store.stats(tool: "web_fetch")?.totalSeconds == 2)
        #expect(try store.stats(tool: "never") == nil)
    }
}

@Suite struct GoalStoreTests {
    @Test func goalsWithPlans() throws {
        let store = GoalStore(database: try NexusDatabase.inMemory())
        let goal = try store.add("Ship the store", detail: "GRDB, WAL, FTS5", plan: ["write migrations", " ", "write tests"])
        #expect(goal.status == .open && goal.plan.map(\.description) == ["write migrations", "write tests"])
        try store.setStepStatus(goalID: goal.id, step: 0, .done)
        try store.setStatus(goalID: goal.id, .active)
        let loaded = try #require(try store.goal(id: goal.id))
        #expect(loaded.status == .active && loaded.plan.map(\.status) == [.done, .pending] && loaded.detail == "GRDB, WAL, FTS5")

        let other = try store.add("Write docs")
        #expect(try store.list(status: .active).map(\.id) == [goal.id])
        #expect(try store.list().count == 2)
        try store.replacePlan(goalID: other.id, with: ["outline", "draft", "review"])
        #expect(try store.goal(id: other.id)?.plan.count == 3)

        let missingStep = #expect(throws: NexusError.self) { try store.setStepStatus(goalID: goal.id, step: 5, .done) }
        #expect(missingStep?.code == .notFound)
        #expect(throws: NexusError.self) { try store.setStatus(goalID: 999, .done) }
        #expect(throws: NexusError.self) { try store.add("  ") }
        #expect(try store.delete(id: other.id))
        #expect(try store.goal(id: other.id) == nil)
    }
}
