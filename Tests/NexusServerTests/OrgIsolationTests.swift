import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusStore
import Testing

/// What one org made, as another org's key would try to reach it.
private struct Holdings {
    var org: String
    var runID: String
    var keyIDs: [String]
    var credential: String
    /// Text that appears only in this org's records (a run's task, a memory, a credential's name).
    var markers: [String]
}

/// Two orgs on one server cannot see or affect each other through any route: every path and
/// method of the OpenAPI document is tried with one org's most powerful key against the other
/// org's run, keys, credential, limits and org name.
@Suite("Orgs on one server")
struct OrgIsolationTests {
    @Test("every route of the API, walked with each org's keys, neither shows nor changes the other org's things")
    func everyRouteIsIsolated() async throws {
        let fixture = try ServerFixture(scripts: [
            "script-agent": [#"<tool_call>{"name": "filesystem_list", "arguments": {}}</tool_call>"#, "Done: zebra-default-marker counted."],
            "script-acme": [#"<tool_call>{"name": "memory_search", "arguments": {"query": "zebra default marker vault code"}}</tool_call>"#,
                            "Done: acme-marker-okapi counted."],
        ])
        let acme = try OrgName("acme")
        _ = try OrgStore(database: fixture.database).create(acme, createdBy: nil)
        _ = try MemoryStore(database: fixture.database).add("zebra-default-marker: the vault code is 4417", source: "user")
        let defaultAdmin = try fixture.newKey(.admin, name: "default-admin")
        let acmeOwner = try Self.key(fixture, .owner, in: acme)
        let acmeOperator = try Self.key(fixture, .operator, in: acme)
        try await fixture.application().test(.router) { client in
            let defaultRun = try await Self.finishedRun(client, task: "Count zebra-default-marker files", model: "script-agent", key: fixture.operatorKey)
            let acmeRun = try await Self.finishedRun(client, task: "Recall from memory what acme-marker-okapi is", model: "script-acme", key: acmeOperator.headers)
            // The acme run searched memory and found nothing of the default org's.
            let acmeSteps = try RunStore(database: fixture.database.scoped(to: acme)).steps(runID: acmeRun)
            #expect(acmeSteps.contains { $0.tool == "memory_search" && $0.status == "ok" }, "\(acmeSteps.map { "\($0.tool ?? "-") \($0.status) \($0.resultExcerpt ?? "")" })")
            #expect(!acmeSteps.contains { ($0.result ?? "").contains("4417") || ($0.resultExcerpt ?? "").contains("4417") })
            for (name, key) in [("DEFAULT_ONLY_CRED", fixture.ownerKey), ("ACME_ONLY_CRED", acmeOwner.headers)] {
                try await client.execute(uri: "/admin/credentials/\(name)", method: .put, headers: key,
                                         body: ByteBuffer(string: #"{"value":"v-\#(name)"}"#)) { #expect($0.status == .created) }
            }
            let defaultKeys = try KeyStore(database: fixture.database).list(org: .default).map(\.id)
            let acmeKeys = try KeyStore(database: fixture.database).list(org: acme).map(\.id)
            let holdings = [
                Holdings(org: "default", runID: defaultRun, keyIDs: defaultKeys, credential: "DEFAULT_ONLY_CRED",
                         markers: ["zebra-default-marker", "DEFAULT_ONLY_CRED", defaultRun] + defaultKeys),
                Holdings(org: "acme", runID: acmeRun, keyIDs: acmeKeys, credential: "ACME_ONLY_CRED",
                         markers: ["acme-marker-okapi", "ACME_ONLY_CRED", acmeRun] + acmeKeys),
            ]
            // acme's owner against the default org; the default org's admin (not a server owner) against acme.
            // (/metrics is the server operator's telemetry, served to the default org's keys only: its
            // series count every org's keys, so it is not walked against acme.)
            try await Self.walk(client, attacker: acmeOwner.headers, victim: holdings[0])
            try await Self.walk(client, attacker: defaultAdmin.headers, victim: holdings[1], skipping: ["/metrics"])
            // Nothing of either org changed.
            for holding in holdings {
                let store = RunStore(database: fixture.database.scoped(to: try OrgName(holding.org)))
                #expect(try store.run(id: holding.runID)?.status == .completed)
                let keys = try KeyStore(database: fixture.database).list(org: try OrgName(holding.org))
                #expect(holding.keyIDs.allSatisfy { id in keys.contains { $0.id == id && $0.isActive } })
                let credentials = CredentialStore(database: fixture.database.scoped(to: try OrgName(holding.org)), home: fixture.home.url)
                #expect(try credentials.value(of: holding.credential) == "v-\(holding.credential)")
                #expect(try await UsageStore(database: fixture.database.scoped(to: try OrgName(holding.org))).limits().isEmpty)
            }
            // The server owner sees both orgs, and each org's audit trail holds only its own events.
            try await client.execute(uri: "/admin/orgs", method: .get, headers: fixture.ownerKey) { response in
                #expect(response.object["data"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["acme", "default"])
            }
            let acmeAudit = try await fixture.audit.scoped(to: acme).events(AuditQuery(limit: 1000))
            #expect(acmeAudit.contains { $0.resource == "run:\(acmeRun)" } && !acmeAudit.contains { $0.resource == "run:\(defaultRun)" })
            #expect(try await fixture.audit.events(AuditQuery(limit: 1000)).allSatisfy { $0.org == "default" })
        }
        fixture.home.remove()
    }

    @Test("orgs are made by a server owner only; a new org's first key comes from one; an org cannot lift its own limits")
    func orgAdministration() async throws {
        let fixture = try ServerFixture()
        let defaultAdmin = try fixture.newKey(.admin, name: "default-admin")
        try await fixture.application().test(.router) { client in
            try await client.post("/admin/orgs", #"{"name":"acme"}"#, headers: defaultAdmin.headers) { #expect($0.status == .forbidden) }
            try await client.post("/admin/orgs", #"{"name":"Not An Org"}"#, headers: fixture.ownerKey) { #expect($0.status == .badRequest) }
            try await client.post("/admin/orgs", #"{"name":"acme"}"#, headers: fixture.ownerKey) { #expect($0.status == .created) }
            try await client.post("/admin/orgs", #"{"name":"acme"}"#, headers: fixture.ownerKey) { #expect($0.status == .conflict) }
            try await client.post("/admin/keys", #"{"role":"owner","org":"nowhere"}"#, headers: fixture.ownerKey) { #expect($0.status == .notFound) }
            let secret: String = try await client.post("/admin/keys", #"{"role":"owner","name":"acme-root","org":"acme"}"#, headers: fixture.ownerKey) { response in
                #expect(response.status == .created && response.object["org"]?.stringValue == "acme")
                return response.object["secret"]?.stringValue ?? ""
            }
            let acmeOwner: HTTPFields = [.authorization: "Bearer " + secret]
            // acme's owner makes keys in acme only, and cannot make orgs.
            try await client.post("/admin/keys", #"{"role":"viewer","org":"default"}"#, headers: acmeOwner) { #expect($0.status == .notFound) }
            try await client.post("/admin/keys", #"{"role":"viewer"}"#, headers: acmeOwner) { response in
                #expect(response.status == .created && response.object["org"]?.stringValue == "acme")
            }
            try await client.post("/admin/orgs", #"{"name":"beta"}"#, headers: acmeOwner) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/admin/orgs", method: .get, headers: acmeOwner) { response in
                #expect(response.object["data"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["acme"])
            }
            // Its own org's quota is the server owner's to set; its keys' limits are its own.
            let acmeKey = try #require(try KeyStore(database: fixture.database).list(org: try OrgName("acme")).first)
            try await client.execute(uri: "/admin/limits/org:acme/tokens_per_day", method: .put, headers: acmeOwner,
                                     body: ByteBuffer(string: #"{"value":999999}"#)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/admin/limits/key:\(acmeKey.id)/requests_per_minute", method: .put, headers: acmeOwner,
                                     body: ByteBuffer(string: #"{"value":60}"#)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/admin/limits/org:acme/tokens_per_day", method: .put, headers: fixture.ownerKey,
                                     body: ByteBuffer(string: #"{"value":1000}"#)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/admin/limits", method: .get, headers: acmeOwner) { response in
                #expect(response.object["data"]?.arrayValue?.count == 2)
            }
            // The server's metrics name every org's keys: not a tenant's to read.
            try await client.execute(uri: "/metrics", method: .get, headers: acmeOwner) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/metrics", method: .get, headers: defaultAdmin.headers) { #expect($0.status == .ok) }
        }
        let created = try await fixture.audit.events(AuditQuery(type: "org.created"))
        #expect(created.map(\.resource) == ["org:acme"])
        fixture.home.remove()
    }

    private static func key(_ fixture: ServerFixture, _ role: Role, in org: OrgName) throws -> (headers: HTTPFields, record: KeyRecord) {
        let issued = try KeyStore(database: fixture.database).create(name: "\(org)-\(role)", role: role, org: org)
        return ([.authorization: "Bearer " + issued.secret], issued.record)
    }

    /// Starts a run and reads its events to the end.
    private static func finishedRun(_ client: some TestClientProtocol, task: String, model: String, key: HTTPFields) async throws -> String {
        let id: String = try await client.post("/v1/agent/runs", #"{"task":"\#(task)","model":"\#(model)","max_steps":3}"#, headers: key) { response in
            #expect(response.status == .created)
            return response.object["id"]?.stringValue ?? ""
        }
        try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: key) { _ in }
        return id
    }

    /// Tries every path and method of docs/openapi.yaml with `attacker`, naming `victim`'s things
    /// wherever a path takes an id or name. No answer may carry the victim's things (beyond the
    /// id the request itself named), and a request naming one must be answered exactly as the
    /// same request naming nothing that exists: never a success, and never a status that tells
    /// that it exists.
    private static func walk(_ client: some TestClientProtocol, attacker: HTTPFields, victim: Holdings, skipping: Set<String> = []) async throws {
        var tried = 0
        let nobody = Holdings(org: "nobody-here", runID: "run_000000000000", keyIDs: ["key_000000000000"], credential: "NO_SUCH_CRED", markers: [])
        for (method, template) in try OpenAPIRoutes.all() where !skipping.contains(template) {
            for ((path, namesVictim), (control, _)) in zip(paths(template, method, victim), paths(template, method, nobody)) {
                let (status, text) = try await request(client, method, path, template, attacker)
                for marker in victim.markers where !path.contains(marker) {
                    #expect(!text.contains(marker), "\(method) \(path) answered with \(victim.org)'s \(marker)")
                }
                tried += 1
                #expect(status.code < 500, "\(method) \(path): \(status)")
                guard namesVictim else { continue }
                let (expected, _) = try await request(client, method, control, template, attacker)
                #expect(!(200..<300).contains(status.code) && status == expected,
                        "\(method) \(path): \(status), but \(expected) for a thing that does not exist")
            }
        }
        #expect(tried > 50)
    }

    private static func request(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, _ template: String,
                                _ key: HTTPFields) async throws -> (HTTPResponse.Status, String) {
        let body = ByteBuffer(string: method == .get || method == .delete ? "" : body(for: template))
        var headers = key
        if body.readableBytes > 0 { headers[.contentType] = "application/json" }
        return try await client.execute(uri: path, method: method, headers: headers, body: body) { response in
            (response.status, String(buffer: response.body))
        }
    }

    /// The paths to try for a template: with the victim's ids and names in it (true), and for
    /// list routes also with `?org=` naming the victim's org (true). Credentials are named per
    /// org, so one of the victim's names is the attacker's own free name (false; the end state
    /// shows the victim's value untouched).
    private static func paths(_ template: String, _ method: HTTPRequest.Method, _ victim: Holdings) -> [(String, Bool)] {
        let substitutions: [(String, String, Bool)] = [
            ("/v1/agent/runs/{id}", victim.runID, true), ("/admin/keys/{id}", victim.keyIDs[0], true),
            ("/admin/credentials/{name}", victim.credential, false), ("/admin/orgs/{name}", victim.org, true),
        ]
        for (prefix, value, named) in substitutions where template.hasPrefix(prefix) {
            return [(template.replacingOccurrences(of: prefix.components(separatedBy: "/").last!, with: value), named)]
        }
        if template == "/admin/limits/{subject}/{name}" {
            return [("/admin/limits/key:\(victim.keyIDs[0])/requests_per_minute", true),
                    ("/admin/limits/org:\(victim.org)/tokens_per_day", true)]
        }
        if template.contains("{") {
            let filled = template.replacingOccurrences(of: "{id}", with: "smollm2").replacingOccurrences(of: "{module}", with: "count_files")
                .replacingOccurrences(of: "{digest}", with: "sha256:" + String(repeating: "0", count: 64))
            return [(filled, false)]
        }
        if method == .get, template.hasPrefix("/admin/"), template != "/admin/orgs" {
            return [(template, false), (template + "?org=\(victim.org)", true)]
        }
        return [(template, false)]
    }

    /// A body for a route that takes one: well-formed where that changes nothing of the victim's.
    private static func body(for template: String) -> String {
        switch template {
        case "/v1/agent/runs": #"{"task":""}"#
        case "/admin/keys": #"{"role":"viewer","name":"walker"}"#
        case "/admin/credentials/{name}": #"{"value":"overwritten"}"#
        case "/admin/limits/{subject}/{name}": #"{"value":1}"#
        case "/admin/orgs": #"{"name":"walked"}"#
        default: "{}"
        }
    }
}

/// The paths and methods of `docs/openapi.yaml`.
enum OpenAPIRoutes {
    static func all() throws -> [(HTTPRequest.Method, String)] {
        let file = repositoryFile("docs/openapi.yaml")
        var routes: [(HTTPRequest.Method, String)] = []
        var path: String?
        for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("  "), !line.hasPrefix("   ") {
                path = line.hasPrefix("  /") ? path : nil
            } else if let current = path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":"),
                      let method = HTTPRequest.Method(String(line.dropFirst(4).dropLast()).uppercased()),
                      ["GET", "POST", "PUT", "DELETE", "HEAD"].contains(method.rawValue) {
                routes.append((method, current))
            }
            if !line.hasPrefix(" "), !line.isEmpty { path = nil }
        }
        return routes
    }
}
