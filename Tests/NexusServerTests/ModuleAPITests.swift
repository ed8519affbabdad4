import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusStore
import Testing

@Suite("Modules over the admin API")
struct ModuleAPITests {
    /// The csv example module, at `version`, as `POST /admin/modules` takes it.
    private static func draftBody(version: String) throws -> String {
        let folder = repositoryFile("examples/modules/csv")
        var manifest = try JSONValue.parse(String(contentsOf: folder.appendingPathComponent("manifest.json"), encoding: .utf8)).objectValue ?? [:]
        manifest["version"] = .string(version)
        let code = try String(contentsOf: folder.appendingPathComponent("module.lua"), encoding: .utf8)
        return JSONValue.object(["manifest": .object(manifest), "code": .string(code)]).jsonText
    }

    @Test("a default-org admin drafts, validates, promotes, installs and rolls back a module; each step is audited; other orgs only read")
    func lifecycleOverHTTP() async throws {
        let fixture = try ServerFixture()
        let admin = try fixture.newKey(.admin, name: "modules")
        let acme = try OrgName("acme")
        _ = try OrgStore(database: fixture.database).create(acme, createdBy: nil)
        let acmeIssued = try KeyStore(database: fixture.database).create(name: "acme-admin", role: .admin, org: acme)
        let acmeAdmin: HTTPFields = [.authorization: "Bearer " + acmeIssued.secret]
        try await fixture.application().test(.router) { client in
            try await client.post("/admin/modules", try Self.draftBody(version: "1.0.0"), headers: fixture.operatorKey) { #expect($0.status == .forbidden) }
            try await client.post("/admin/modules", try Self.draftBody(version: "1.0.0"), headers: acmeAdmin) { #expect($0.status == .forbidden) }
            try await client.post("/admin/modules", try Self.draftBody(version: "1.0.0"), headers: admin.headers) { response in
                #expect(response.status == .created && response.object["stage"]?.stringValue == "draft")
            }
            try await client.post("/admin/modules", try Self.draftBody(version: "1.0.0"), headers: admin.headers) { #expect($0.status == .ok) }
            try await client.post("/admin/modules", #"{"manifest":{"name":"x"},"code":"return 1"}"#, headers: admin.headers) { #expect($0.status == .badRequest) }
            // Not validated yet: the lifecycle refuses to promote it.
            try await client.post("/admin/modules/csv/promote", "", headers: admin.headers) { #expect($0.status == .conflict) }
            try await client.post("/admin/modules/csv/validate", "", headers: acmeAdmin) { #expect($0.status == .forbidden) }
            try await client.post("/admin/modules/csv/validate", "", headers: admin.headers) { response in
                #expect(response.status == .ok && response.object["passed"]?.boolValue == true, "\(response.text)")
            }
            try await client.post("/admin/modules/csv/promote", "", headers: admin.headers) { #expect($0.status == .ok) }
            try await client.post("/admin/modules/csv@1.0.0/install", "", headers: admin.headers) { response in
                #expect(response.object["changed"]?.boolValue == true)
            }
            try await client.post("/admin/modules/csv@1.0.0/install", "", headers: admin.headers) { response in
                #expect(response.object["changed"]?.boolValue == false)
            }
            try await client.post("/admin/modules", try Self.draftBody(version: "1.1.0"), headers: admin.headers) { #expect($0.status == .created) }
            for step in ["validate", "promote", "install"] {
                try await client.post("/admin/modules/csv@1.1.0/\(step)", "", headers: admin.headers) { #expect($0.status == .ok, "\(step)") }
            }
            try await client.post("/admin/modules/csv/rollback", "", headers: admin.headers) { response in
                #expect(response.status == .ok && response.object["version"]?.stringValue == "1.0.0")
            }
            // Any org's admin reads what every org's runs may call.
            try await client.execute(uri: "/admin/modules", method: .get, headers: acmeAdmin) { response in
                let versions = (response.object["data"]?.arrayValue ?? []).filter { $0["stage"]?.stringValue == "promoted" }
                #expect(versions.compactMap { $0["version"]?.stringValue }.sorted() == ["1.0.0", "1.1.0"])
                #expect(versions.filter { $0["active"]?.boolValue == true }.compactMap { $0["version"]?.stringValue } == ["1.0.0"])
            }
            try await client.execute(uri: "/admin/modules/csv@1.1.0", method: .get, headers: admin.headers) { response in
                #expect(response.object["stage"]?.stringValue == "promoted" && response.object["active"]?.boolValue == false)
                #expect(response.object["code"]?.stringValue?.isEmpty == false)
            }
            try await client.execute(uri: "/admin/modules/no_such_module", method: .get, headers: admin.headers) { #expect($0.status == .notFound) }
        }
        let audited = try await fixture.audit.events(AuditQuery(type: "module.", limit: 100)).map(\.type)
        #expect(audited.reversed() == ["module.drafted", "module.validated", "module.promoted", "module.installed", "module.drafted",
                                       "module.validated", "module.promoted", "module.installed", "module.rolled_back"])
        #expect(try LedgerStore(database: fixture.database).entries().contains { $0.action == "rollback" })
        fixture.home.remove()
    }
}
