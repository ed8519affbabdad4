import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusStore
import Testing

@Suite("Credentials over the admin API")
struct CredentialAPITests {
    @Test("admins store, list, replace and delete credentials by name; no answer or audit event carries a value; operators may not")
    func lifecycle() async throws {
        let fixture = try ServerFixture()
        let (admin, _) = try fixture.newKey(.admin, name: "secrets")
        let secret = "ghp_" + String(repeating: "x7", count: 18)
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/admin/credentials/GITHUB_TOKEN", method: .put, headers: fixture.operatorKey,
                                     body: ByteBuffer(string: #"{"value":"\#(secret)"}"#)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/admin/credentials/GITHUB_TOKEN", method: .put, headers: admin,
                                     body: ByteBuffer(string: #"{"value":"\#(secret)"}"#)) { response in
                #expect(response.status == .created)
                #expect(!response.text.contains(secret))
            }
            try await client.execute(uri: "/admin/credentials/GITHUB_TOKEN", method: .put, headers: admin,
                                     body: ByteBuffer(string: #"{"value":"\#(secret)2"}"#)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/admin/credentials/bad-name", method: .put, headers: admin,
                                     body: ByteBuffer(string: #"{"value":"x"}"#)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/admin/credentials", method: .get, headers: admin) { response in
                #expect(response.object["data"]?.arrayValue?.map { $0["name"]?.stringValue } == ["GITHUB_TOKEN"])
                #expect(!response.text.contains(secret))
            }
            try await client.execute(uri: "/admin/credentials/GITHUB_TOKEN", method: .delete, headers: admin) { #expect($0.status == .ok) }
            try await client.execute(uri: "/admin/credentials/GITHUB_TOKEN", method: .delete, headers: admin) { #expect($0.status == .notFound) }
        }
        let events = try await fixture.audit.events(AuditQuery(type: "credential."))
        #expect(events.map(\.type) == ["credential.deleted", "credential.replaced", "credential.created"])
        #expect(events.allSatisfy { !$0.detailsText.contains(secret) && !$0.resource.contains(secret) })
    }
}
