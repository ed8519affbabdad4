import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusStore
import Testing

@Suite("The audit log over the API")
struct AuditAPITests {
    @Test("a run's start and cancel and a refused policy are recorded with the key and client; GET /admin/audit is for admins and filters")
    func recordedAndListed() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": []])
        let (operatorKey, operatorRecord) = try fixture.newKey(.operator, name: "ops2")
        let (admin, adminRecord) = try fixture.newKey(.admin, name: "admin")
        var withClient = operatorKey
        withClient[.userAgent] = "audit-test/1.0"
        let headers = withClient
        let gate = GatedBackend()
        try await fixture.application(loader: { _ in gate }).test(.router) { client in
            let id: String = try await client.post("/v1/agent/runs", #"{"task":"Say done"}"#, headers: headers) { response in
                #expect(response.status == .created)
                return response.object["id"]?.stringValue ?? ""
            }
            try await client.post("/v1/agent/runs", #"{"task":"Say done","policy":{"network":["example.com"]}}"#, headers: headers) { response in
                #expect(response.status == .forbidden)
            }
            try await client.post("/v1/agent/runs/\(id)/cancel", "", headers: admin) { response in
                #expect(response.status == .accepted)
            }
            gate.open()
            try await client.execute(uri: "/admin/audit", method: .get, headers: operatorKey) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/admin/audit?type=run.", method: .get, headers: admin) { response in
                #expect(response.status == .ok)
                let events = response.object["data"]?.arrayValue ?? []
                #expect(events.map { $0["type"]?.stringValue } == ["run.cancelled", "run.started"])
                #expect(events.allSatisfy { $0["resource"]?.stringValue == "run:\(id)" })
                #expect(events.last?["actor"]?["key_id"]?.stringValue == operatorRecord.id)
                #expect(events.last?["actor"]?["user_agent"]?.stringValue == "audit-test/1.0")
                #expect(events.first?["actor"]?["key_id"]?.stringValue == adminRecord.id)
                #expect(events.first?["details"]?["owner"]?.stringValue == operatorRecord.id)
            }
            try await client.execute(uri: "/admin/audit?type=policy.refused&actor=\(operatorRecord.id)", method: .get, headers: admin) { response in
                let events = response.object["data"]?.arrayValue ?? []
                #expect(events.count == 1)
                #expect(events.first?["details"]?["reason"]?.stringValue?.contains("network") == true)
            }
            try await client.execute(uri: "/admin/audit?since=yesterday", method: .get, headers: admin) { response in
                #expect(response.status == .badRequest)
            }
        }
        let verification = try fixture.audit.verify()
        #expect(verification.problems.isEmpty && verification.events == 3)
    }
}
