import Foundation
import NexusCore
import NexusStore
import Testing

@Suite struct MemoryStoreTests {
    let store: MemoryStore

    init() throws {
        store = MemoryStore(database: try NexusDatabase.inMemory())
    }

    @Test func relevantFactRanksFirst() throws {
        _ = try store.add("The project is written in Swift and built with SwiftPM", source: "user")
        _ = try store.add("The user prefers the vim editor with tabs set to four spaces", source: "user", tags: ["editor"])
        _ = try store.add("Deploys go to the staging server every Friday", source: "run:run_abc")
        _ = try store.add("Python scripts live in the tools folder", source: "user")
        let results = try store.search("which editor does the user prefer?")
        #expect(results.first?.memory.content == "The user prefers the vim editor with tabs set to four spaces")
        #expect(results.map(\.score) == results.map(\.score).sorted(by: >))
        #expect(try store.search("editor", limit: 1).count == 1)
    }

    @Test func stemmingAndDiacriticsMatch() throws {
        _ = try store.add("Greetings from München, where the café opens early", source: "user")
        #expect(try store.search("munchen").count == 1)
        #expect(try store.search("CAFE opening").count == 1)
    }

    @Test func hostileQueriesNeverThrow() throws {
        _ = try store.add("Quotes \"like this\" and stars * appear in AND text", source: "user")
        let hostile = [
            "\"", "\"\"", "\"unbalanced", "AND", "OR NOT", "NOT", "*", "a*", "NEAR(a b)", "content:foo", "tags:x",
            "a\" OR \"b", "^start", "(((", ")", "'; DROP TABLE memories; --", "-", "+", "{a b}", ":", "\u{0}",
            "🙂🙂", "日本語", "ünïcödé", "", "   ", "\n\t", String(repeating: "word ", count: 500),
        ]
        for query in hostile {
            #expect(throws: Never.self) { _ = try store.search(query) }
        }
        #expect(try store.search("\"like this\"").count == 1)
        #expect(try store.search("*").isEmpty)
        #expect(try store.count() == 1)
    }

    @Test func recallIsBoundedInCharactersAndCount() throws {
        for index in 0..<10 {
            _ = try store.add("Fact \(index) about the deployment pipeline: " + String(repeating: "x", count: 40), source: "user")
        }
        _ = try store.add("deployment pipeline notes", source: "user")
        let recalled = try store.recall(for: "how does the deployment pipeline work", limit: 5, maxCharacters: 150)
        #expect(!recalled.isEmpty)
        #expect(recalled.count <= 5)
        #expect(recalled.reduce(0) { $0 + $1.content.count } <= 150)
        #expect(try store.recall(for: "deployment pipeline", limit: 3, maxCharacters: 10_000).count == 3)
        #expect(try store.recall(for: "deployment", limit: 3, maxCharacters: 0).isEmpty)
    }

    @Test func addListAndForget() throws {
        let first = try store.add("  first fact  ", source: "user", tags: [" a ", "", "a", "b"])
        #expect(first.content == "first fact")
        #expect(first.tags == ["a", "b"])
        let second = try store.add("second fact", source: "tool:memory_store")
        #expect(try store.list().map(\.id) == [second.id, first.id])
        let loaded = try #require(try store.memory(id: first.id))
        #expect(loaded.content == first.content && loaded.tags == first.tags && loaded.source == "user")
        #expect(abs(loaded.createdAt.timeIntervalSince(first.createdAt)) < 0.001)
        #expect(try store.forget(id: first.id))
        #expect(try !store.forget(id: first.id))
        #expect(try store.search("first").isEmpty)
        #expect(try store.list(limit: 10).map(\.id) == [second.id])
    }

    @Test func emptyContentIsRejected() throws {
        let error = #expect(throws: NexusError.self) { try store.add(" \n ", source: "user") }
        #expect(error?.code == .invalidArgument)
        #expect(try store.count() == 0)
    }
}
