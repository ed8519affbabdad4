import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusServer
import NexusStore
import NexusTesting
import Testing

/// The dashboard's files, the caller's identity it gates its controls on, and the summary its
/// overview reads.
@Suite("Dashboard")
struct DashboardTests {
    private static let browser: HTTPFields = [.accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"]

    @Test("a browser at / gets the page with a strict content policy; any other client gets Ollama's liveness sentence")
    func rootServesThePageToBrowsers() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": []])
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/", method: .get, headers: Self.browser) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                let policy = try #require(response.headers[.contentSecurityPolicy])
                #expect(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"))
                #expect(!policy.contains("unsafe-inline"))
                let page = String(buffer: response.body)
                #expect(page.contains("<script type=\"module\" src=\"ui/"))
                // Relative URLs only, so that the page works behind a proxy under a sub-path.
                #expect(!page.contains("src=\"/") && !page.contains("href=\"/"))
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(String(buffer: response.body) == "Nexus is running")
            }
            try await client.execute(uri: "/", method: .get, headers: [.accept: "application/json"]) { response in
                #expect(String(buffer: response.body) == "Nexus is running")
            }
        }
        fixture.home.remove()
    }

    @Test("/ui/ serves each embedded file by name, with its type, to a caller without a key; nothing else")
    func filesAreServedByNameOnly() async throws {
        var fixture = try ServerFixture(scripts: ["script-agent": []])
        // Bound to every address: key-less requests get nothing but open routes.
        fixture.configuration.host = "0.0.0.0"
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/ui/app.js", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/javascript") == true)
                #expect(response.headers[.init("X-Content-Type-Options")!] == "nosniff")
            }
            try await client.execute(uri: "/ui/app.css", method: .get) { response in
                #expect(response.headers[.contentType]?.hasPrefix("text/css") == true)
            }
            for path in ["/ui/missing.js", "/ui/..%2FPackage.swift", "/ui/%2e%2e", "/ui/../../etc/passwd", "/ui/DashboardRoutes.swift"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .notFound, "\(path)")
                }
            }
            // The page is open; the data behind it is not.
            try await client.execute(uri: "/v1/agent/runs", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/metrics/summary", method: .get) { response in
                #expect(response.status == .unauthorized)
            }
        }
        fixture.home.remove()
    }

    @Test("every file in the assets folder is embedded, and every embedded file is in the folder")
    func everyAssetIsEmbedded() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/NexusServer/Dashboard/Assets")
        let onDisk = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
        #expect(onDisk == Set(DashboardAssets.names))
    }

    @Test("/v1/me names the key and exactly its role's permissions; a loopback caller without a key gets the loopback ones")
    func identityAndPermissions() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": []])
        let viewer = try fixture.newKey(.viewer, name: "watcher")
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/v1/me", method: .get, headers: viewer.headers) { response in
                let me = try JSONValue.parse(String(buffer: response.body))
                #expect(me["authenticated"] == .bool(true))
                #expect(me["key"]?["name"] == .string("watcher"))
                #expect(me["key"]?["role"] == .string("viewer"))
                // On loopback a viewer's key also holds what the server grants without one, but never tools or admin.
                let held = Set((me["permissions"]?.arrayValue ?? []).compactMap(\.stringValue))
                #expect(held.isSuperset(of: ["read_models", "read_runs", "read_metrics"]))
                #expect(held.isDisjoint(with: ["execute_tools", "administer", "manage_keys"]))
                // What the role holds by itself, which the page offers controls for, is only reading.
                let own = Set((me["role_permissions"]?.arrayValue ?? []).compactMap(\.stringValue))
                #expect(own == ["read_models", "read_runs", "read_metrics"])
            }
            try await client.execute(uri: "/v1/me", method: .get, headers: fixture.ownerKey) { response in
                let me = try JSONValue.parse(String(buffer: response.body))
                #expect(Set((me["permissions"]?.arrayValue ?? []).compactMap(\.stringValue)) == Set(Permission.allCases.map(\.rawValue)))
            }
            try await client.execute(uri: "/v1/me", method: .get) { response in
                let me = try JSONValue.parse(String(buffer: response.body))
                #expect(me["authenticated"] == .bool(false))
                #expect(me["key"] == .null)
                let held = Set((me["permissions"]?.arrayValue ?? []).compactMap(\.stringValue))
                #expect(held.contains("read_runs") && !held.contains("execute_tools"))
            }
            // Signing in checks the key here: one that is not valid is told so, even where a
            // loopback server would serve the request without a key.
            try await client.execute(uri: "/v1/me", method: .get, headers: [.authorization: "Bearer nxk_wrong"]) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("not valid"))
            }
        }
        fixture.home.remove()
    }

    @Test("/metrics/summary counts the last hour's requests and errors by kind, with latency quantiles; another org's key gets 404")
    func summaryCountsRequests() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": []])
        _ = try OrgStore(database: fixture.database).create(OrgName(unchecked: "acme"), createdBy: nil)
        let outsider = try KeyStore(database: fixture.database).create(name: "acme-admin", role: .admin, org: OrgName(unchecked: "acme"))
        try await fixture.application().test(.router) { client in
            for _ in 0..<5 {
                try await client.execute(uri: "/api/tags", method: .get, headers: fixture.ownerKey) { _ in }
            }
            try await client.execute(uri: "/v1/agent/runs/run_missing", method: .get, headers: fixture.ownerKey) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/v1/agent/runs", method: .post, headers: [.authorization: "Bearer nxk_wrong"]) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/metrics/summary", method: .get, headers: fixture.ownerKey) { response in
                #expect(response.status == .ok)
                let summary = try JSONValue.parse(String(buffer: response.body))
                let hour = try #require(summary["last_hour"])
                #expect(hour["requests"]?.numberValue == 7)
                #expect(hour["errors"]?.numberValue == 2)
                #expect(hour["errors_by_kind"]?["not_found"]?.numberValue == 1)
                #expect(hour["errors_by_kind"]?["unauthorized"]?.numberValue == 1)
                #expect((hour["p50_ms"]?.numberValue ?? 0) > 0)
                #expect((hour["p99_ms"]?.numberValue ?? 0) >= (hour["p50_ms"]?.numberValue ?? .infinity))
                let minutes = summary["minutes"]?.arrayValue ?? []
                #expect(minutes.count == 60)
                #expect(minutes.last?["requests"]?.numberValue == 7)
                #expect(summary["version"] == .string("0.12.0"))
            }
            try await client.execute(uri: "/metrics/summary", method: .get, headers: [.authorization: "Bearer " + outsider.secret]) { response in
                #expect(response.status == .notFound)
            }
        }
        fixture.home.remove()
    }

    @Test("a finished run's context shows what the model saw; /v1/learning sums its trace by task shape; both in the caller's org only")
    func learningByShape() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": [
            #"<tool_call>{"name": "filesystem_write", "arguments": {"path": "hello.txt", "content": "hi"}}</tool_call>"#,
            "I wrote hello.txt.",
        ]])
        _ = try OrgStore(database: fixture.database).create(OrgName(unchecked: "acme"), createdBy: nil)
        let outsider = try KeyStore(database: fixture.database).create(name: "acme-viewer", role: .viewer, org: OrgName(unchecked: "acme"))
        try await fixture.application().test(.router) { client in
            let id: String = try await client.post("/v1/agent/runs", #"{"task":"Write hi into hello.txt","workspace":"w1","max_steps":4}"#,
                                                   headers: fixture.operatorKey) { response in
                try response.json()["id"]?.stringValue ?? ""
            }
            // Following the events returns when the run has ended.
            try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: fixture.operatorKey) { _ in }
            // Each model-made step carries its turn's tokens, in the stored steps and in the replayed events.
            try await client.execute(uri: "/v1/agent/runs/\(id)", method: .get, headers: fixture.operatorKey) { response in
                let steps = try response.json()["steps"]?.arrayValue ?? []
                let write = steps.first { $0["tool"]?.stringValue == "filesystem_write" }
                #expect((write?["completion_tokens"]?.numberValue ?? 0) > 0)
            }
            try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: fixture.operatorKey) { response in
                let call = String(buffer: response.body).components(separatedBy: "\n\n").first { $0.contains("event: tool_call") && $0.contains("filesystem_write") }
                #expect(call?.contains("\"completion_tokens\"") == true)
            }
            // The context viewer: what the model saw, each turn marked with its step.
            try await client.execute(uri: "/v1/agent/runs/\(id)/context", method: .get, headers: fixture.operatorKey) { response in
                #expect(response.status == .ok)
                let messages = try response.json()["messages"]?.arrayValue ?? []
                #expect(messages.first?["role"]?.stringValue == "system")
                #expect(messages.contains { $0["role"]?.stringValue == "user" && $0["content"]?.stringValue?.contains("Write hi into hello.txt") == true })
                let firstTurn = messages.first { $0["role"]?.stringValue == "assistant" }
                #expect(firstTurn?["step"]?.numberValue == 1)
                #expect(firstTurn?["tool_calls"]?.arrayValue?.first?["name"]?.stringValue == "filesystem_write")
                #expect(messages.contains { $0["role"]?.stringValue == "tool" })
                let offered = try response.json()["offered_tools"]?.arrayValue?.compactMap(\.stringValue) ?? []
                #expect(offered.contains("filesystem_write"))
                // The schemas the model was shown, and what each turn showed.
                let schemas = try response.json()["tools"]?.arrayValue ?? []
                let write = schemas.first { $0["name"]?.stringValue == "filesystem_write" }
                #expect(write?["parameters"]?["properties"]?["path"] != nil)
                #expect(write?["description"]?.stringValue?.isEmpty == false)
                let turns = try response.json()["turns"]?.arrayValue ?? []
                #expect(turns.first?["step"]?.numberValue == 1)
                #expect(turns.first?["program"] == true)   // the first turn asks for a program
                #expect(turns.contains { $0["tools"]?.arrayValue?.contains(.string("filesystem_write")) == true })
                let choices = Set(turns.compactMap { $0["tool_choice"]?.stringValue })
                #expect(choices.isSubset(of: ["auto", "required", "none"]) && !choices.isEmpty)
            }
            try await client.execute(uri: "/v1/agent/runs/\(id)/context", method: .get, headers: [.authorization: "Bearer " + outsider.secret]) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/v1/learning", method: .get, headers: fixture.operatorKey) { response in
                #expect(response.status == .ok)
                let shapes = try response.json()["shapes"]?.arrayValue ?? []
                #expect(shapes.count == 1)
                #expect(shapes.first?["example_task"]?.stringValue == "Write hi into hello.txt")
                #expect(shapes.first?["runs"]?.numberValue == 1)
                #expect(shapes.first?["modes"]?.arrayValue?.compactMap(\.stringValue) == ["learner"])
            }
            try await client.execute(uri: "/v1/learning", method: .get, headers: [.authorization: "Bearer " + outsider.secret]) { response in
                #expect(response.status == .ok)
                let shapes = try response.json()["shapes"]?.arrayValue
                #expect(shapes?.isEmpty == true)
            }
            try await client.execute(uri: "/v1/learning?org=default", method: .get, headers: [.authorization: "Bearer " + outsider.secret]) { response in
                #expect(response.status == .notFound)
            }
        }
        fixture.home.remove()
    }

    @Test("a server owner lists and reads another org's runs with ?org=; that org's own admin cannot read the default org's that way")
    func serverOwnerReadsAcrossOrgs() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": ["Nothing to do."]])
        let acme = OrgName(unchecked: "acme")
        _ = try OrgStore(database: fixture.database).create(acme, createdBy: nil)
        let acmeOperator = try KeyStore(database: fixture.database).create(name: "acme-ops", role: .operator, org: acme)
        let acmeAdmin = try KeyStore(database: fixture.database).create(name: "acme-admin", role: .admin, org: acme)
        try await fixture.application().test(.router) { client in
            let id: String = try await client.post("/v1/agent/runs", #"{"task":"Say hello","workspace":"w1","max_steps":2}"#,
                                                   headers: [.authorization: "Bearer " + acmeOperator.secret]) { response in
                try response.json()["id"]?.stringValue ?? ""
            }
            try await client.execute(uri: "/v1/agent/runs/\(id)/events?org=acme", method: .get, headers: fixture.ownerKey) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v1/agent/runs?org=acme", method: .get, headers: fixture.ownerKey) { response in
                let listed = try response.json()["data"]?.arrayValue ?? []
                #expect(listed.compactMap { $0["id"]?.stringValue } == [id])
            }
            try await client.execute(uri: "/v1/agent/runs/\(id)?org=acme", method: .get, headers: fixture.ownerKey) { response in
                #expect(response.status == .ok)
            }
            // Without ?org= the owner reads its own org, where the run is not.
            try await client.execute(uri: "/v1/agent/runs/\(id)", method: .get, headers: fixture.ownerKey) { response in
                #expect(response.status == .notFound)
            }
            for path in ["/v1/agent/runs?org=default", "/v1/agent/runs/\(id)?org=default"] {
                try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer " + acmeAdmin.secret]) { response in
                    #expect(response.status == .notFound, "\(path)")
                }
            }
        }
        fixture.home.remove()
    }

    @Test("feedback judges a run: its starter or an admin may, it is audited; another operator gets 404, a viewer 403, a bad verdict 400")
    func feedbackJudgesARun() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": ["Nothing to do."]])
        let other = try fixture.newKey(.operator, name: "other")
        let viewer = try fixture.newKey(.viewer, name: "watcher")
        try await fixture.application().test(.router) { client in
            let id: String = try await client.post("/v1/agent/runs", #"{"task":"Say hello","workspace":"w1","max_steps":2}"#,
                                                   headers: fixture.operatorKey) { response in
                try response.json()["id"]?.stringValue ?? ""
            }
            try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: fixture.operatorKey) { _ in }
            try await client.post("/v1/agent/runs/\(id)/feedback", #"{"verdict":"bad"}"#, headers: other.headers) { response in
                #expect(response.status == .notFound)
            }
            try await client.post("/v1/agent/runs/\(id)/feedback", #"{"verdict":"bad"}"#, headers: viewer.headers) { response in
                #expect(response.status == .forbidden)
            }
            try await client.post("/v1/agent/runs/\(id)/feedback", #"{"verdict":"meh"}"#, headers: fixture.operatorKey) { response in
                #expect(response.status == .badRequest)
            }
            try await client.post("/v1/agent/runs/\(id)/feedback", #"{"verdict":"bad"}"#, headers: fixture.operatorKey) { response in
                #expect(response.status == .ok)
                let judged = try response.json()
                #expect(judged["outcome"]?.stringValue == "failure")
            }
            try await client.execute(uri: "/v1/agent/runs/\(id)", method: .get, headers: fixture.operatorKey) { response in
                let run = try response.json()
                #expect(run["outcome"]?.stringValue == "failure")
                #expect(run["outcome_source"]?.stringValue == "feedback")
            }
            try await client.execute(uri: "/admin/audit?type=run.judged", method: .get, headers: fixture.ownerKey) { response in
                #expect(response.text.contains("run:\(id)"))
            }
            // Learning lists the crystallizer's candidates too (none yet: one run is not proven).
            try await client.execute(uri: "/v1/learning", method: .get, headers: fixture.operatorKey) { response in
                let learned = try response.json()
                #expect(learned["candidates"]?.arrayValue?.isEmpty == true)
            }
        }
        fixture.home.remove()
    }

    @Test("/admin/ledger verifies the ledger for the default org's admins; another org's admin gets 404, an operator 403")
    func ledgerState() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": []])
        _ = try OrgStore(database: fixture.database).create(OrgName(unchecked: "acme"), createdBy: nil)
        let outsider = try KeyStore(database: fixture.database).create(name: "acme-admin", role: .admin, org: OrgName(unchecked: "acme"))
        try await fixture.application().test(.router) { client in
            try await client.execute(uri: "/admin/ledger", method: .get, headers: fixture.ownerKey) { response in
                #expect(response.status == .ok)
                let report = try response.json()
                #expect(report["passed"]?.boolValue != nil)
                #expect(report["root"]?.stringValue != nil)
            }
            try await client.execute(uri: "/admin/ledger", method: .get, headers: [.authorization: "Bearer " + outsider.secret]) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/admin/ledger", method: .get, headers: fixture.operatorKey) { response in
                #expect(response.status == .forbidden)
            }
        }
        fixture.home.remove()
    }
}
