import Foundation
import NexusCore
import NexusStore
import Testing

@Suite("Listing runs page by page")
struct RunPagingTests {
    @Test("pages by cursor cover every run once, newest first, even when runs share a start time and new ones start between pages")
    func pagesCoverEveryRunOnce() async throws {
        let store = RunStore(database: try NexusDatabase.inMemory())
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var made: [RunRecord] = []
        for index in 0..<25 {
            // Every third pair shares its start time: the cursor must not skip or repeat a tie.
            var run = RunRecord(task: "t\(index)", model: index.isMultiple(of: 2) ? "small" : "big", workspace: "/w",
                                createdAt: start.addingTimeInterval(Double(index / 2)))
            run.mode = index.isMultiple(of: 5) ? .follower : .learner
            try store.create(run)
            made.append(run)
        }
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try await store.list(limit: 7, status: nil, before: cursor, scope: .all)
            seen += page.map(\.id)
            cursor = page.count == 7 ? page.last?.id : nil
            if seen.count == 7 {
                try store.create(RunRecord(task: "late", model: "small", workspace: "/w", createdAt: start.addingTimeInterval(100)))
            }
        } while cursor != nil
        #expect(seen.count == 25)
        #expect(Set(seen) == Set(made.map(\.id)))
        let expected = made.sorted { ($0.createdAt, $1.id) > ($1.createdAt, $0.id) }.map(\.id)
        #expect(seen == expected)

        let followers = try await store.list(limit: 100, status: nil, mode: .follower, scope: .all)
        #expect(followers.count == 5 && followers.allSatisfy { $0.mode == .follower })
        let big = try await store.list(limit: 100, status: nil, model: "big", scope: .all)
        #expect(big.count == 12 && big.allSatisfy { $0.model == "big" })
        #expect(try await store.list(limit: 10, status: nil, before: "run_unknown", scope: .all).isEmpty)
    }
}
