import Foundation
import GRDB
import NexusCore
import NexusStore
import Testing

/// Each org's records are its own: a store over one org's handle cannot read, change, list,
/// count or match another org's, whatever id it is given.
@Suite("Stores scoped to an org")
struct OrgScopeTests {
    private let acme = try! OrgName("acme")

    /// A database with the org `acme`, and a finished, successful run of the default org with a trace.
    private func databaseWithDefaultRun() throws -> (NexusDatabase, RunRecord) {
        let database = try NexusDatabase.inMemory()
        _ = try OrgStore(database: database).create(acme, createdBy: nil)
        let run = RunRecord(task: "Count the files in the folder reports", model: "m", workspace: "/w", status: .completed,
                            answer: "7", outcome: .success, outcomeSource: .model)
        try RunStore(database: database).save(run: run, appending: [
            RunStep(runID: run.id, index: 0, tool: "filesystem_list", status: "ok"), RunStep(runID: run.id, index: 1, status: "answer"),
        ])
        try TraceStore(database: database).record(runID: run.id)
        return (database, run)
    }

    @Test("another org's run is not found by id, prefix, list or unfinished; its steps are empty; it cannot be changed or ended")
    func runs() async throws {
        let (database, run) = try databaseWithDefaultRun()
        let theirs = RunStore(database: database.scoped(to: acme))
        #expect(try theirs.run(id: run.id) == nil)
        #expect(try theirs.run(matching: String(run.id.dropFirst(4).prefix(6))) == nil)
        #expect(try await theirs.loadRun(id: run.id) == nil)
        #expect(try theirs.list().isEmpty && theirs.unfinished().isEmpty)
        #expect(try await theirs.list(limit: 10, status: nil, scope: .all).isEmpty)
        #expect(try theirs.steps(runID: run.id).isEmpty)
        #expect(try await theirs.loadSteps(runID: run.id).isEmpty)
        #expect(throws: NexusError.self) { try theirs.setOutcome(runID: run.id, outcome: .failure, source: .feedback) }
        #expect(try await theirs.endIfRunning(runID: run.id, status: .failed, failure: "x") == false)
        // Saving a record with the same id from the other org is refused, and changes nothing.
        var forged = run
        forged.answer = "999"
        #expect(throws: NexusError.self) { try theirs.save(run: forged, appending: [RunStep(runID: run.id, index: 2, status: "answer")]) }
        let ours = RunStore(database: database)
        #expect(try ours.run(id: run.id)?.answer == "7" && ours.run(id: run.id)?.org == .default)
        #expect(try ours.steps(runID: run.id).count == 2)
        // A run made over acme's handle is acme's.
        let made = try theirs.create(task: "t", model: "m", workspace: "/w", policy: .null, state: .null)
        #expect(try theirs.run(id: made.id)?.org == acme && ours.run(id: made.id) == nil)
    }

    @Test("HOPE in another org matches, proves, counts and records none of the default org's traces")
    func traces() throws {
        let (database, run) = try databaseWithDefaultRun()
        let ours = TraceStore(database: database)
        let trace = try #require(try ours.trace(runID: run.id))
        #expect(try ours.proven(signature: trace.signature).count == 1)
        let theirs = TraceStore(database: database.scoped(to: acme))
        #expect(try theirs.trace(runID: run.id) == nil && theirs.list().isEmpty)
        #expect(try theirs.proven(signature: trace.signature).isEmpty && theirs.similar(to: run.task).isEmpty)
        #expect(try theirs.traces(signature: trace.signature).isEmpty && theirs.usage(signature: trace.signature).runs == 0)
        #expect(try theirs.uncrystallizedOriginals().isEmpty && theirs.reuse(of: run.id) == nil)
        #expect(throws: NexusError.self) { try theirs.record(runID: run.id) }
        #expect(throws: NexusError.self) { try theirs.markCrystallized(runID: run.id, module: "m@1") }
        #expect(throws: NexusError.self) { try theirs.demote(runID: run.id, judgedRunID: run.id, reason: "r", module: nil, moduleAction: "none") }
        #expect(try ours.trace(runID: run.id)?.crystallizedInto == nil && ours.demotions(of: run.id).isEmpty)
    }

    @Test("memories and conversations of another org are not searched, listed, counted, read or deleted")
    func memoriesAndConversations() throws {
        let database = try NexusDatabase.inMemory()
        _ = try OrgStore(database: database).create(acme, createdBy: nil)
        let memory = try MemoryStore(database: database).add("The deploy password hint is 'blue heron'", source: "user")
        let conversation = try ConversationStore(database: database).create(title: "default's chat")
        try ConversationStore(database: database).append(ChatMessage(role: .user, content: "hello"), to: conversation.id)
        let memories = MemoryStore(database: database.scoped(to: acme))
        #expect(try memories.search("deploy password heron").isEmpty && memories.list().isEmpty && memories.count() == 0)
        #expect(try memories.memory(id: memory.id) == nil && memories.forget(id: memory.id) == false)
        let conversations = ConversationStore(database: database.scoped(to: acme))
        #expect(try conversations.conversation(id: conversation.id) == nil && conversations.list().isEmpty)
        #expect(throws: NexusError.self) { try conversations.messages(conversationID: conversation.id) }
        #expect(throws: NexusError.self) { try conversations.append(ChatMessage(role: .user, content: "x"), to: conversation.id) }
        #expect(try conversations.delete(id: conversation.id) == false)
        #expect(try MemoryStore(database: database).count() == 1 && ConversationStore(database: database).messages(conversationID: conversation.id).count == 1)
    }

    @Test("a row's org never changes, a key is made only in an org that exists, and orgs are never deleted")
    func schemaHoldsOrgs() throws {
        try withTemporaryFolder { folder in try schemaHoldsOrgs(file: folder.appendingPathComponent("nexus.db")) }
    }

    private func schemaHoldsOrgs(file: URL) throws {
        let database = try NexusDatabase.open(at: file)
        _ = try OrgStore(database: database).create(acme, createdBy: nil)
        let run = try RunStore(database: database).create(task: "t", model: "m", workspace: "/w", policy: .null, state: .null)
        // Written by hand, as by another program: the schema itself refuses.
        let raw = try DatabaseQueue(path: file.path)
        for table in ["runs", "api_keys"] {
            if table == "api_keys" { _ = try KeyStore(database: database).create(name: "k", role: .viewer) }
            #expect(throws: (any Error).self) {
                try raw.write { db in try db.execute(sql: "UPDATE \(table) SET org = 'acme'") }
            }
        }
        #expect(try RunStore(database: database).run(id: run.id)?.org == .default)
        let refused = #expect(throws: NexusError.self) { try KeyStore(database: database).create(name: "x", role: .owner, org: try OrgName("nobody")) }
        #expect(refused?.code == .notFound && refused?.message.contains("nexus orgs create nobody") == true)
        let key = try KeyStore(database: database).create(name: "acme-owner", role: .owner, org: acme)
        #expect(key.record.org == acme && !key.record.isServerOwner)
        #expect(try KeyStore(database: database).list(org: acme).map(\.id) == [key.record.id])
        #expect(try KeyStore(database: database).authenticate(secret: key.secret)?.org == acme)
        #expect(throws: (any Error).self) {
            try raw.write { db in try db.execute(sql: "DELETE FROM orgs WHERE name = 'acme'") }
        }
        #expect(throws: NexusError.self) { try OrgStore(database: database).create(acme, createdBy: nil) }
        #expect(throws: NexusError.self) { try OrgName("Acme Corp") }
        #expect(throws: NexusError.self) { try OrgName("-x") }
        #expect(try OrgStore(database: database).list().map(\.name.rawValue) == ["acme", "default"])
    }

    @Test("credentials, usage limits, approvals and audit events are each org's own")
    func orgColumnsOfLaterTables() async throws {
        try await withTemporaryFolder { folder in try await laterTables(home: folder) }
    }

    private func laterTables(home: URL) async throws {
        let database = try NexusDatabase.inMemory()
        _ = try OrgStore(database: database).create(acme, createdBy: nil)
        try CredentialStore(database: database, home: home).set("TOKEN", value: "s3cret-value")
        #expect(try CredentialStore(database: database.scoped(to: acme), home: home).value(of: "TOKEN") == nil)
        try await UsageStore(database: database).set(UsageLimit(subject: .org("default"), name: .tokensPerDay, value: 10))
        #expect(try await UsageStore(database: database.scoped(to: acme)).limits().isEmpty)
        #expect(try await UsageStore(database: database).everyOrgsLimits().count == 1)
        try ModuleApprovalStore(database: database).request(ModuleApproval(draftID: "d1", name: "count_files", version: "1.0.0",
                                                                           traceRunID: nil, requestedBy: "crystallizer"))
        #expect(try ModuleApprovalStore(database: database.scoped(to: acme)).list(pendingOnly: false).isEmpty)
        #expect(try ModuleApprovalStore(database: database.scoped(to: acme)).find("count_files") == nil)
        #expect(try ModuleApprovalStore(database: database).list().count == 1)
        let audit = AuditLog(database: database, home: home, signer: nil)
        try await audit.record("key.created", actor: .commandLine, resource: "key:k")
        #expect(try await audit.scoped(to: acme).events(AuditQuery()).isEmpty)
        #expect(try await audit.events(AuditQuery()).count == 1)
        // Both orgs' events make one chain, which verifies whole; each org reads only its own.
        try await audit.scoped(to: acme).record("key.created", actor: .commandLine, resource: "key:a")
        try await audit.record("key.revoked", actor: .commandLine, resource: "key:k")
        let verification = try audit.verify()
        #expect(verification.events == 3 && verification.problems.isEmpty)
        #expect(try await audit.scoped(to: acme).events(AuditQuery()).map(\.resource) == ["key:a"])
    }
}
