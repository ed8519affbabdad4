import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusStore
import Testing

@Suite("Configuration reload and the credential key over the admin API")
struct ReloadAPITests {
    @Test("POST /admin/reload applies a limit written by another process at once and names the policy profiles a run would refuse")
    func reload() async throws {
        let fixture = try ServerFixture(scripts: ["script-chat": Array(repeating: "ok", count: 4)])
        let (limited, record) = try fixture.newKey(.operator, name: "limited")
        let (admin, _) = try fixture.newKey(.admin, name: "admin")
        let policies = fixture.configuration.policyProfilesFolder
        try FileManager.default.createDirectory(at: policies, withIntermediateDirectories: true)
        try "read = [\"/\"]\n".write(to: policies.appendingPathComponent("everything.toml"), atomically: true, encoding: .utf8)
        try "read = [\".\"]\nwrite = [\".\"]\n".write(to: policies.appendingPathComponent("workspace.toml"), atomically: true, encoding: .utf8)
        let chat = #"{"model":"script-chat","messages":[{"role":"user","content":"hi"}],"max_tokens":4}"#
        try await fixture.application().test(.router) { client in
            try await client.post("/v1/chat/completions", chat, headers: limited) { #expect($0.status == .ok) }
            // Written straight to the database, as `nexus limits set` in another process does.
            try await UsageStore(database: fixture.database).set(UsageLimit(subject: .key(record.id), name: .requestsPerMinute, value: 0))
            try await client.post("/admin/reload", "", headers: fixture.operatorKey) { #expect($0.status == .forbidden) }
            try await client.post("/admin/reload", "", headers: admin) { response in
                #expect(response.status == .ok)
                #expect(response.object["limits"]?.numberValue == 1)
                let problems = response.object["problems"]?.arrayValue ?? []
                #expect(problems.compactMap { $0["profile"]?.stringValue } == ["everything"], "\(response.text)")
                #expect(response.object["profiles"]?.arrayValue?.compactMap(\.stringValue).contains("workspace") == true)
            }
            try await client.post("/v1/chat/completions", chat, headers: limited) { #expect($0.status == .tooManyRequests) }
        }
        #expect(try await fixture.audit.events(AuditQuery(type: "config.")).map(\.type) == ["config.reloaded"])
        fixture.home.remove()
    }

    @Test("a server owner rotates the credential key over HTTP; values still open; no other key may")
    func rotateKey() async throws {
        let fixture = try ServerFixture()
        let (admin, _) = try fixture.newKey(.admin, name: "admin")
        let store = CredentialStore(database: fixture.database, home: fixture.home.url)
        try store.set("TOKEN", value: "value-one")
        try await fixture.application().test(.router) { client in
            try await client.post("/admin/credentials/rotate-key", "", headers: admin) { #expect($0.status == .forbidden) }
            try await client.post("/admin/credentials/rotate-key", "", headers: fixture.ownerKey) { response in
                #expect(response.status == .ok && response.object["rewrapped"]?.numberValue == 1)
                #expect(!response.text.contains("value-one"))
            }
        }
        #expect(try store.value(of: "TOKEN") == "value-one")
        #expect(try await fixture.audit.events(AuditQuery(type: "credential.key_rotated")).count == 1)
        fixture.home.remove()
    }
}
