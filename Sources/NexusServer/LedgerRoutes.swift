import Foundation
import Hummingbird
import NexusCore
import NexusModules
import NexusStore

/// `GET /admin/ledger`: what `nexus verify` finds, for the dashboard's Modules view: whether the
/// signed ledger, its checkpoints, every module's bytes and the audit chain verify, the problems
/// named, and the signed head. The ledger is the server's, so only the default org's admins read it.
struct LedgerRoutes: Sendable {
    let database: NexusDatabase
    let home: URL

    func register(on router: Router<NexusRequestContext>) {
        router.get("/admin/ledger") { request, context in
            // The same for every org; naming one the key may not act in is still 404.
            _ = try OrgScope.of(request, context)
            guard (context.caller ?? .anonymous).org == .default else {
                throw NexusError(.notFound, "the ledger is the server's own, read by admins of the default org; GET /admin/audit lists your org's events")
            }
            let verifier = LedgerVerifier(database: database, home: home)
            // Every module's bytes are hashed again: work for a thread of its own.
            let report = try await BlockingWork.run { try verifier.verify() }
            return Response.json([
                "passed": .bool(report.passed),
                "problems": .array(report.problems.map(JSONValue.string)),
                "notes": .array(report.notes.map(JSONValue.string)),
                "entries": .number(Double(report.entries)),
                "checkpoints": .number(Double(report.checkpoints)),
                "modules": .number(Double(report.modules)),
                "audit_events": .number(Double(report.auditEvents)),
                "root": .string(report.root),
                "key": report.currentKey.map(JSONValue.string) ?? .null,
                "head": report.head.map(\.json) ?? .null,
            ])
        }
    }
}
