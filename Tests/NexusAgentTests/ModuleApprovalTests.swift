import Foundation
import NexusAgent
import NexusCore
import NexusInference
import NexusModules
import NexusStore
import NexusTesting
import NexusTools
import Testing

/// Under `approval = required`, a module the crystallizer makes stops at its validated draft: it
/// is neither promoted nor installed until an admin approves it, and approve and reject are
/// signed ledger entries.
@Suite("HOPE: approval of crystallized modules")
struct ModuleApprovalTests {
    let feedback = HopeFeedbackTests()

    /// One learner run of the count task, crystallized under `approval = required`.
    func crystallizedUnderApproval(_ fixture: AgentFixture, home: TemporaryDirectory) async throws
        -> (ModuleRuntime, ModuleLifecycle, Crystallizer, Crystallizer.Outcome) {
        try feedback.startCount(fixture)
        let runtime = ModuleRuntime(database: fixture.database, tools: fixture.tools)
        let lifecycle = ModuleLifecycle(runtime: runtime, ledger: Ledger(database: fixture.database, home: home.url))
        let first = try await feedback.run(fixture, "a0.txt", lines: 2, script: feedback.learnerScript("a0.txt", count: 2))
        var crystallizer = Crystallizer(database: fixture.database, lifecycle: lifecycle)
        crystallizer.approval = .required
        crystallizer.minimumUses = 1
        return (runtime, lifecycle, crystallizer, try await crystallizer.crystallize(runID: first.id, actor: "serve"))
    }

    @Test("a crystallized module waits for approval: not installed, not compiled again; approving signs, promotes and installs it")
    func approve() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let (runtime, _, crystallizer, made) = try await crystallizedUnderApproval(fixture, home: home)
        #expect(made.awaitingApproval)
        #expect(try runtime.installedTools().isEmpty)
        #expect(try ModuleStore(database: fixture.database).all().allSatisfy { $0.stage == .draft })
        #expect(try crystallizer.candidates().isEmpty, "a trace whose module waits is not compiled again")
        let pending = try ModuleApprovalStore(database: fixture.database).list()
        #expect(pending.map(\.draftID) == [made.moduleID])

        let approval = try crystallizer.decide(made.module, approve: true, actor: "key:key_admin")
        #expect(approval.decision == .approved && approval.decidedBy == "key:key_admin")
        #expect(try runtime.installedTools().count == 1)
        let actions = try Ledger(database: fixture.database, home: home.url).entries().map(\.action)
        #expect(actions.contains("approve") && actions.contains("promote") && actions.contains("install"))
        #expect(try LedgerVerifier(database: fixture.database, home: home.url).verify().passed)
        #expect(throws: NexusError.self) { try crystallizer.decide(made.module, approve: false, actor: "key:key_admin") }
        #expect(try ModuleApprovalStore(database: fixture.database).list().isEmpty)
    }

    @Test("a rejected module is signed as rejected, never installed, and its trace is not compiled again")
    func reject() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let (runtime, lifecycle, crystallizer, made) = try await crystallizedUnderApproval(fixture, home: home)
        let rejected = try crystallizer.decide(made.moduleID, approve: false, reason: "writes the wrong file", actor: "cli:alice")
        #expect(rejected.decision == .rejected && rejected.reason == "writes the wrong file")
        #expect(try runtime.installedTools().isEmpty)
        #expect(try crystallizer.candidates().isEmpty)
        let entry = try #require(try Ledger(database: fixture.database, home: home.url).entries().last)
        #expect(entry.action == "reject" && entry.subject == made.moduleID)
        let refused = #expect(throws: NexusError.self) { try lifecycle.promote("nexus://\(made.moduleID)", actor: "cli:alice") }
        #expect(refused?.message.contains("rejected") == true)
    }

    @Test("approving a module that can no longer be promoted is refused before anything is signed: it stays pending, nothing is installed")
    func approvalOfAnUnpromotableModule() async throws {
        let fixture = try AgentFixture()
        defer { fixture.workspace.remove() }
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let (runtime, _, crystallizer, made) = try await crystallizedUnderApproval(fixture, home: home)
        // Validated again since, and failed: the draft may no longer be promoted.
        try ModuleStore(database: fixture.database).addValidation(
            ModuleValidation(moduleID: made.moduleID, passed: false, report: ["passed": false], createdAt: Date().addingTimeInterval(1)))
        let refused = #expect(throws: NexusError.self) { try crystallizer.decide(made.module, approve: true, actor: "key:key_admin") }
        #expect(refused?.message.contains("failed validation") == true, "\(refused?.message ?? "")")
        #expect(try runtime.installedTools().isEmpty)
        #expect(try ModuleApprovalStore(database: fixture.database).list().map(\.draftID) == [made.moduleID], "still waits for a decision")
        #expect(!(try Ledger(database: fixture.database, home: home.url).entries().map(\.action).contains("approve")))
        // It can still be rejected.
        #expect(try crystallizer.decide(made.module, approve: false, actor: "key:key_admin").decision == .rejected)
    }
}
