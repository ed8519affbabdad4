import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusStore
import Testing

@Suite("Keys over the admin API")
struct KeyAPITests {
    @Test("an owner creates, lists, rotates and revokes keys; the secret is shown once; an admin may not; each change is audited")
    func lifecycle() async throws {
        let fixture = try ServerFixture()
        let (admin, _) = try fixture.newKey(.admin, name: "admin")
        try await fixture.application().test(.router) { client in
            try await client.post("/admin/keys", #"{"role":"viewer","name":"dashboard"}"#, headers: admin) { response in
                #expect(response.status == .forbidden)
            }
            let (id, secret): (String, String) = try await client.post("/admin/keys", #"{"role":"viewer","name":"dashboard"}"#, headers: fixture.ownerKey) { response in
                #expect(response.status == .created)
                return (response.object["id"]?.stringValue ?? "", response.object["secret"]?.stringValue ?? "")
            }
            #expect(secret.hasPrefix("nxk_"))
            let viewer: HTTPFields = [.authorization: "Bearer \(secret)"]
            // Starting a run needs a key even on loopback: a valid viewer's is 403, a dead key 401.
            let run = #"{"task":"Say done"}"#
            try await client.post("/v1/agent/runs", run, headers: viewer) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/admin/keys", method: .get, headers: fixture.ownerKey) { response in
                let listed = response.object["data"]?.arrayValue ?? []
                #expect(listed.contains { $0["id"]?.stringValue == id && $0["name"]?.stringValue == "dashboard" })
                #expect(!response.text.contains(secret) && !response.text.contains("\"secret\""))
            }
            let rotated: String = try await client.post("/admin/keys/\(id)/rotate", "", headers: fixture.ownerKey) { response in
                #expect(response.status == .created)
                #expect(response.object["rotated_from"]?.stringValue == id)
                return response.object["secret"]?.stringValue ?? ""
            }
            try await client.post("/v1/agent/runs", run, headers: viewer) { #expect($0.status == .unauthorized) }
            let newID = try #require(try KeyStore(database: fixture.database).list().last?.id)
            try await client.execute(uri: "/admin/keys/\(newID)", method: .delete, headers: fixture.ownerKey) { #expect($0.status == .ok) }
            try await client.post("/v1/agent/runs", run, headers: [.authorization: "Bearer \(rotated)"]) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/admin/keys/key_nosuchkey00", method: .delete, headers: fixture.ownerKey) { #expect($0.status == .notFound) }
            try await client.post("/admin/keys", #"{"role":"emperor"}"#, headers: fixture.ownerKey) { #expect($0.status == .badRequest) }
            try await client.post("/admin/bootstrap", "", headers: [:]) { response in
                // Keys exist (and the router's test channel is no loopback connection): refused either way.
                #expect(response.status == .forbidden || response.status == .conflict)
            }
        }
        let events = try await fixture.audit.events(AuditQuery(type: "key."))
        #expect(events.map(\.type) == ["key.revoked", "key.rotated", "key.created"])
    }

    @Test("the first owner key is bootstrapped once, from this machine only, never through a proxy or for another site's page")
    func bootstrap() async throws {
        let fixture = try ServerFixture(keys: false)
        try await fixture.application().test(.live) { client in
            try await client.execute(uri: "/admin/bootstrap", method: .post, headers: [.init("X-Forwarded-For")!: "203.0.113.9"]) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/admin/bootstrap", method: .post, headers: [.origin: "https://evil.example"]) { response in
                #expect(response.status == .forbidden)
            }
            let secret: String = try await client.execute(uri: "/admin/bootstrap", method: .post) { response in
                #expect(response.status == .created)
                let body = try JSONValue.parse(String(buffer: response.body))
                #expect(body["role"]?.stringValue == "owner")
                return body["secret"]?.stringValue ?? ""
            }
            try await client.execute(uri: "/admin/bootstrap", method: .post) { response in
                #expect(response.status == .conflict)
            }
            try await client.execute(uri: "/admin/keys", method: .get, headers: [.authorization: "Bearer \(secret)"]) { response in
                #expect(response.status == .ok)
            }
        }
        let created = try await fixture.audit.events(AuditQuery(type: "key.created"))
        #expect(created.count == 1 && created.first?.actor.name == "bootstrap")
    }
}
