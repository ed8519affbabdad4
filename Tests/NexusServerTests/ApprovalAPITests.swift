import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusStore
import Testing

@Suite("Module approvals over the admin API")
struct ApprovalAPITests {
    @Test("admins list what waits and reject it (a signed ledger entry and an audit event); a decision is final; operators may not")
    func rejectOverHTTP() async throws {
        let fixture = try ServerFixture()
        let (admin, adminRecord) = try fixture.newKey(.admin, name: "approver")
        let draft = String(repeating: "ab", count: 32)
        try ModuleApprovalStore(database: fixture.database).request(ModuleApproval(draftID: draft, name: "count_lines", version: "1.0.0",
                                                                                   traceRunID: "run_x", requestedBy: "serve"))
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/admin/modules/approvals", method: .get, headers: fixture.operatorKey) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/admin/modules/approvals", method: .get, headers: admin) { response in
                #expect(response.object["data"]?.arrayValue?.first?["module"]?.stringValue == "count_lines@1.0.0")
                #expect(response.object["data"]?.arrayValue?.first?["status"]?.stringValue == "pending")
            }
            try await client.post("/admin/modules/approvals/count_lines@1.0.0/reject", #"{"reason":"not wanted"}"#, headers: admin) { response in
                #expect(response.status == .ok)
                #expect(response.object["status"]?.stringValue == "rejected")
                #expect(response.object["decided_by"]?.stringValue == "key:\(adminRecord.id)")
            }
            try await client.post("/admin/modules/approvals/count_lines/approve", "", headers: admin) { #expect($0.status == .conflict) }
            try await client.post("/admin/modules/approvals/nothing_here/approve", "", headers: admin) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/admin/modules/approvals", method: .get, headers: admin) { response in
                #expect(response.object["data"]?.arrayValue?.isEmpty == true)
            }
        }
        let entries = try LedgerStore(database: fixture.database).entries()
        #expect(entries.last?.action == "reject" && entries.last?.subject == draft)
        let audited = try await fixture.audit.events(AuditQuery(type: "module."))
        #expect(audited.map(\.type) == ["module.rejected"])
    }
}
