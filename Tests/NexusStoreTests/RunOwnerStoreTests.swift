import Foundation
import NexusCore
import NexusStore
import Testing

@Suite("Run owners and endings in the store")
struct RunOwnerStoreTests {
    @Test("a run keeps the key that started it: saving the runner's record keeps it, and SQL cannot change it")
    func ownerIsFixed() async throws {
        let database = try NexusDatabase.inMemory()
        let store = RunStore(database: database)
        var run = RunRecord(task: "t", model: "m", workspace: "/w", ownerKeyID: "key_a")
        try store.create(run)
        run.ownerKeyID = nil
        run.status = .completed
        try store.save(run: run, appending: [])
        #expect(try store.run(id: run.id)?.ownerKeyID == "key_a")
        run.ownerKeyID = "key_b"
        try store.save(run: run, appending: [])
        #expect(try store.run(id: run.id)?.ownerKeyID == "key_a")
        #expect(try await store.list(limit: 10, status: nil, scope: .ownedBy("key_a")).map(\.id) == [run.id])
        #expect(try await store.list(limit: 10, status: nil, scope: .ownedBy("key_b")).isEmpty)
        #expect(try await store.list(limit: 10, status: nil, scope: .unowned).isEmpty)
    }

    @Test("ending a run that is still running marks it failed with its error; an ended run is left alone")
    func endIfRunning() async throws {
        let store = RunStore(database: try NexusDatabase.inMemory())
        let running = RunRecord(task: "t", model: "m", workspace: "/w")
        let done = RunRecord(task: "t", model: "m", workspace: "/w", status: .completed)
        try store.create(running)
        try store.create(done)
        #expect(try await store.endIfRunning(runID: running.id, status: .failed, failure: "the backend went away"))
        #expect(try await !store.endIfRunning(runID: done.id, status: .failed, failure: "late"))
        let failed = try #require(try await store.loadRun(id: running.id))
        #expect(failed.status == .failed && failed.failure == "the backend went away" && failed.outcome == .failure)
        #expect(try await store.loadRun(id: done.id)?.status == .completed)
        #expect(try await store.loadRun(id: done.id)?.failure == nil)
    }
}
