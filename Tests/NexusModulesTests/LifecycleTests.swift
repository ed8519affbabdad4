import Foundation
import NexusCore
import NexusModules
import NexusStore
import Testing

@Suite("The module lifecycle", .serialized)
struct LifecycleTests {
    @Test("draft → validated → promoted → installed → rolled back, live without a restart")
    func wholeLifecycle() async throws {
        let home = try ModuleTestHome()
        defer { home.remove() }
        #expect(try home.runtime.installedTools().isEmpty)
        let first = try await home.release("greeter", body: "return {text = 'hello ' .. input.who}",
                                           tests: [["input": ["who": "a"], "expect": ["text": "hello a"]]])
        #expect(first.stage == .promoted)
        let greeter = try #require(try home.runtime.installedTools().first { $0.name == "greeter" })
        #expect(try await greeter.run(["who": "Ada"], context: home.context()).content == #"{"text":"hello Ada"}"#)

        try await home.release("greeter", version: "1.1.0", body: "return {text = 'hi ' .. input.who}",
                               tests: [["input": ["who": "a"], "expect": ["text": "hi a"]]])
        // The same tool value runs the newly active version on its next call.
        #expect(try await greeter.run(["who": "Ada"], context: home.context()).content == #"{"text":"hi Ada"}"#)

        let back = try home.lifecycle.rollback("greeter", actor: "test")
        #expect(back.moduleID == first.id)
        #expect(try await greeter.run(["who": "Ada"], context: home.context()).content == #"{"text":"hello Ada"}"#)
        #expect(throws: NexusError.self) { try home.lifecycle.rollback("greeter", actor: "test") }

        let actions = try home.ledger.entries().map(\.action)
        #expect(actions == ["key_create", "promote", "install", "promote", "install", "rollback"])
        let report = try LedgerVerifier(database: home.database, home: home.url).verify()
        #expect(report.passed, "\(report.problems)")
    }

    @Test("drafts, unvalidated and failing drafts are never installed or promoted")
    func refusals() async throws {
        let home = try ModuleTestHome()
        defer { home.remove() }
        try home.draft("raw", body: "return {}")
        #expect(throws: NexusError.self) { try home.lifecycle.install("raw@1.0.0", actor: "test") }
        #expect(throws: NexusError.self) { try home.lifecycle.promote("raw", actor: "test") }
        try home.draft("bad", body: "return {x = os.time()}")
        let report = try await home.lifecycle.validate("bad")
        #expect(!report.passed)
        #expect(report.failures.contains { $0.stage == "static" && $0.message.contains("'os'") && $0.hint != nil })
        #expect(throws: NexusError.self) { try home.lifecycle.promote("bad", actor: "test") }
        try home.draft("wrong", body: "return {n = 1}", tests: [["input": [:], "expect": ["n": 2]]])
        let failing = try await home.lifecycle.validate("wrong")
        #expect(failing.failures.first { $0.stage == "test" }?.message.contains("expected {\"n\":2}") == true)
        #expect(try home.ledger.entries().allSatisfy { $0.action == "key_create" })
    }

    @Test("install refuses a promoted version whose bytes were altered in the database")
    func tamperedInstall() async throws {
        let home = try ModuleTestHome()
        defer { home.remove() }
        try home.draft("victim", body: "return {ok = true}")
        #expect(try await home.lifecycle.validate("victim").passed)
        let promoted = try home.lifecycle.promote("victim", actor: "test")
        try home.sql("DROP TRIGGER module_versions_no_update")
        try home.sql("UPDATE module_versions SET code = replace(code, 'ok = true', 'ok = false') WHERE id = '\(promoted.id)'")
        #expect(throws: NexusError.self) { try home.lifecycle.install("victim", actor: "test") }
        let altered = try #require(try ModuleStore(database: home.database).module(id: promoted.id))
        let run = await home.runtime.run(altered, input: [:], context: home.context())
        #expect({ if case .refused = run.failure { true } else { false } }())
    }

    @Test("a bundle exported from one installation imports as a draft in another; an altered bundle is refused")
    func bundles() async throws {
        let source = try ModuleTestHome()
        let target = try ModuleTestHome()
        defer { source.remove(); target.remove() }
        let promoted = try await source.release("shared", body: "return {v = 1}")
        let bundle = try ModuleBundle.export(promoted, ledger: source.ledger)
        let imported = try target.lifecycle.importBundle(bundle, source: "test", actor: "test")
        #expect(imported.record.stage == .draft)
        #expect(imported.record.code == promoted.code)
        #expect(try await target.lifecycle.validate("shared").passed)
        let edges = try GraphStore(database: target.database).edges(from: imported.record.id)
        #expect(edges.contains { $0.kind == .derivedFrom && $0.target == promoted.id })

        guard case .object(var body) = bundle, case .object(var module) = body["module"]! else { Issue.record("bundle shape"); return }
        module["code"] = "return {run = function() return {v = 2} end}"
        body["module"] = .object(module)
        #expect(throws: NexusError.self) { try target.lifecycle.importBundle(.object(body), source: "altered", actor: "test") }
    }

    @Test("the graph records provenance: derived_from, replaces, depends_on, signed_by, crystallized_from")
    func provenance() async throws {
        let home = try ModuleTestHome()
        defer { home.remove() }
        let library = try await home.release("lib", body: "return {}")
        let v1 = try await home.release("app", body: "return {}", dependencies: ["lib": "^1.0.0"])
        let v2 = try await home.release("app", version: "2.0.0", body: "return {v = 2}", dependencies: ["lib": "~1.0.0"])
        let graph = GraphStore(database: home.database)
        let out = try graph.edges(from: v2.id)
        #expect(out.contains { $0.kind == .dependsOn && $0.target == library.id })
        #expect(out.contains { $0.kind == .replaces && $0.target == v1.id })
        #expect(out.contains { $0.kind == .derivedFrom })
        #expect(out.contains { $0.kind == .signedBy && $0.target.hasPrefix("key:") })
        #expect(try graph.edges(to: library.id).filter { $0.kind == .dependsOn }.count == 2)
        let memory = try MemoryStore(database: home.database).add("apps like lib", source: "test")
        try graph.link(GraphEdge(source: v2.id, kind: .crystallizedFrom, target: "memory:\(memory.id)"))
        #expect(try graph.node(id: "memory:\(memory.id)")?.kind == "memory")
        #expect(try graph.resolve("nexus://\(v2.id.prefix(10))") == v2.id)
    }
}
