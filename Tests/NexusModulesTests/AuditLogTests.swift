import Foundation
import NexusCore
import NexusModules
import NexusStore
import Testing

/// The audit log: chained events, a head signed with the ledger's key, and what `nexus verify`
/// catches when someone with the database file edits, removes or cuts off events.
@Suite("The audit log")
struct AuditLogTests {
    private func sql(_ home: ModuleTestHome, _ statement: String) throws {
        _ = try ExternalDatabase.query(path: home.databasePath, sql: statement, readOnly: false, maxBytes: 1 << 16)
    }

    /// A home with five events from two actors.
    private func homeWithEvents() throws -> (ModuleTestHome, AuditLog) {
        let home = try ModuleTestHome()
        let log = home.ledger.auditLog()
        let alice = AuditActor.key("key_alice", ip: "127.0.0.1", userAgent: "curl/8")
        try log.record("key.created", actor: .commandLine, resource: "key:key_alice", details: ["role": "operator"])
        try log.record("run.started", actor: alice, resource: "run:run_one")
        try log.record("run.cancelled", actor: alice, resource: "run:run_one")
        try log.record("credential.used", actor: .nexus, resource: "credential:API_TOKEN", details: ["purpose": "module client@1.0.0"])
        try log.record("policy.refused", actor: alice, resource: "profile:default", details: ["reason": "network"])
        return (home, log)
    }

    @Test("events are listed newest first and filtered by type, family, actor, resource and kind")
    func queries() throws {
        let (home, log) = try homeWithEvents()
        defer { home.remove() }
        #expect(try log.events(AuditQuery()).map(\.seq) == [5, 4, 3, 2, 1])
        #expect(try log.events(AuditQuery(type: "run.")).map(\.type) == ["run.cancelled", "run.started"])
        #expect(try log.events(AuditQuery(type: "run.started")).count == 1)
        #expect(try log.events(AuditQuery(actor: "key_alice")).count == 3)
        #expect(try log.events(AuditQuery(actor: "key:key_alice")).count == 3)
        #expect(try log.events(AuditQuery(resource: "credential:")).map(\.resource) == ["credential:API_TOKEN"])
        #expect(try log.events(AuditQuery(since: Date().addingTimeInterval(60))).isEmpty)
        #expect(try log.events(AuditQuery(limit: 2)).count == 2)
        let first = try #require(try log.events(AuditQuery(type: "key.created")).first)
        #expect(first.actor.name.hasPrefix("cli:") && first.details["role"] == "operator")
    }

    @Test("a log as written verifies, with its head signed by the ledger's key")
    func verifies() throws {
        let (home, log) = try homeWithEvents()
        defer { home.remove() }
        let verification = try log.verify()
        #expect(verification.problems.isEmpty && verification.events == 5 && verification.headSeq == 5)
        let report = try LedgerVerifier(database: home.database, home: home.url).verify(requireHead: false)
        #expect(report.passed && report.auditEvents == 5, "\(report.problems)")
    }

    @Test("SQL cannot update or delete an event")
    func appendOnly() throws {
        let (home, _) = try homeWithEvents()
        defer { home.remove() }
        #expect(throws: (any Error).self) { try sql(home, "UPDATE audit_events SET type = 'run.started' WHERE seq = 5") }
        #expect(throws: (any Error).self) { try sql(home, "DELETE FROM audit_events WHERE seq = 5") }
    }

    @Test("an edited, removed or cut-off event, or a head rewritten without the key, fails verification with the event named")
    func tampering() throws {
        for (attack, expected) in [
            ("UPDATE audit_events SET details = '{}' WHERE seq = 5", "#5 (policy.refused, profile:default) was changed"),
            ("DELETE FROM audit_events WHERE seq = 3", "#3 is missing"),
            ("DELETE FROM audit_events WHERE seq >= 4", "the newest events were removed"),
        ] {
            let (home, log) = try homeWithEvents()
            defer { home.remove() }
            // Someone editing the file drops the triggers first.
            try sql(home, "DROP TRIGGER audit_events_no_update")
            try sql(home, "DROP TRIGGER audit_events_no_delete")
            try sql(home, attack)
            let problems = try log.verify().problems
            #expect(problems.contains { $0.contains(expected) }, "\(attack): \(problems)")
            let report = try LedgerVerifier(database: home.database, home: home.url).verify(requireHead: false)
            #expect(!report.passed)
        }
        let (home, log) = try homeWithEvents()
        defer { home.remove() }
        let head = AuditHead.file(home: home.url)
        let forged = try String(contentsOf: head, encoding: .utf8).replacingOccurrences(of: #""seq":5"#, with: #""seq":4"#)
        try forged.write(to: head, atomically: true, encoding: .utf8)
        #expect(try log.verify().problems.contains { $0.contains("signature does not verify") })
    }

    @Test("a stored credential's use is recorded by name, never with its value")
    func credentialUse() throws {
        let home = try ModuleTestHome()
        defer { home.remove() }
        let store = CredentialStore(database: home.database, home: home.url, audit: home.ledger.auditLog())
        try store.set("API_TOKEN", value: "tok-9f8e7d")
        #expect(try store.use("API_TOKEN", for: "MCP server search") == "tok-9f8e7d")
        #expect(try store.use("MISSING", for: "MCP server search") == nil)
        let events = try home.ledger.auditLog().events(AuditQuery(type: "credential.used"))
        #expect(events.count == 1 && events[0].resource == "credential:API_TOKEN" && events[0].details["purpose"] == "MCP server search")
        #expect(!events[0].detailsText.contains("tok-9f8e7d"))
    }
}
