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
