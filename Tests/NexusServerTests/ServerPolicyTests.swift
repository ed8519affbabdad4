import Foundation
import Hummingbird
import HummingbirdTesting
import NexusCore
import NexusStore
import NexusTesting
import Testing

/// An operator's run gets a server-side policy profile, narrowed at most: never wider, never
/// reaching Nexus's own files, never beyond the server's ceilings.
@Suite("Run policies bounded by the server")
struct ServerPolicyTests {
    /// Starts a run as `key` and returns its status and body.
    private static func startRun(_ client: some TestClientProtocol, _ body: String, key: HTTPFields) async throws -> (HTTPResponse.Status, JSONValue) {
        try await client.post("/v1/agent/runs", body, headers: key) { ($0.status, $0.object) }
    }

    @Test("an operator cannot widen the default profile: read /, write /, any command, the home's database, env, hosts and limits get 403")
    func operatorCannotWidenTheProfile() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": ["done"]])
        let home = fixture.home.url.path
        let (adminKey, _) = try fixture.newKey(.admin, name: "auditor")
        try await fixture.application().test(.router) { client in
            for policy in [#"{"read":["/"]}"#, #"{"write":["/"]}"#, #"{"read":["/etc"]}"#, #"{"read":[".."]}"#, #"{"commands":"any"}"#,
                           #"{"commands":["bash"]}"#, #"{"databases":["\#(home)/nexus.db"]}"#, #"{"databases":["/"]}"#,
                           #"{"env":["HOME"]}"#, #"{"network":["example.com"]}"#, #"{"limits":{"output_kb":1073741824}}"#,
                           #"{"limits":{"memory_mb":4096}}"#, #"{"limits":{"wall_seconds":1000000}}"#] {
                let (status, body) = try await Self.startRun(client, #"{"task":"Read the shadow file","policy":\#(policy)}"#, key: fixture.operatorKey)
                #expect(status == .forbidden, "\(policy)")
                #expect(body["error"]?["message"]?.stringValue?.contains("profile 'default'") == true, "\(policy): \(body)")
            }
            // Nothing ran: even an admin sees no run.
            try await client.execute(uri: "/v1/agent/runs", method: .get, headers: adminKey) { response in
                #expect(response.object["data"]?.arrayValue?.isEmpty == true)
            }
        }
        fixture.home.remove()
    }

    @Test("a request may narrow its profile, and the run gets exactly the narrowed policy")
    func narrowingIsKept() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": ["done"]])
        try await fixture.application().test(.router) { client in
            let (status, body) = try await Self.startRun(
                client, #"{"task":"List the files","workspace":"narrow","policy":{"read":["."],"commands":["ls"],"limits":{"output_kb":16,"wall_seconds":5}}}"#,
                key: fixture.operatorKey)
            #expect(status == .created)
            let id = try #require(body["id"]?.stringValue)
            let policy = try #require(try fixture.storedRun(id)).policy.decoded(as: CapabilityPolicy.self)
            #expect(policy.commands == ["ls"])
            #expect(policy.limits.outputBytes == 16 << 10)
            #expect(policy.limits.wallSeconds == 5)
            #expect(policy.readablePaths.count == 1 && policy.readablePaths[0].hasSuffix("/narrow"))
            try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: fixture.operatorKey) { _ in }
        }
        fixture.home.remove()
    }

    @Test("the built-in default profile is the workspace only: no environment, no databases, no network")
    func defaultProfileIsTheWorkspaceOnly() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": ["done"]])
        try await fixture.application().test(.router) { client in
            let (status, body) = try await Self.startRun(client, #"{"task":"Say done"}"#, key: fixture.operatorKey)
            #expect(status == .created)
            let id = try #require(body["id"]?.stringValue)
            let policy = try #require(try fixture.storedRun(id)).policy.decoded(as: CapabilityPolicy.self)
            #expect(policy.environment.isEmpty)
            #expect(policy.databases.isEmpty)
            #expect(policy.networkHosts.isEmpty)
            #expect(policy.readablePaths == ["."] && policy.writablePaths == ["."])
            try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: fixture.operatorKey) { _ in }
        }
        fixture.home.remove()
    }

    @Test("a server run writes no memory and changes no system prompt unless its profile says so, and a request cannot turn them on")
    func sharedStateWritesAreOptIn() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": ["done"]])
        let policies = fixture.home.url.appendingPathComponent("policies")
        try FileManager.default.createDirectory(at: policies, withIntermediateDirectories: true)
        try Data("read = [\".\"]\nwrite = [\".\"]\n".utf8).write(to: policies.appendingPathComponent("plain.toml"))
        try await fixture.application().test(.router) { client in
            for profile in ["default", "plain"] {
                let (status, body) = try await Self.startRun(client, #"{"task":"Say done","profile":"\#(profile)"}"#, key: fixture.operatorKey)
                #expect(status == .created, "\(profile): \(body)")
                let id = try #require(body["id"]?.stringValue)
                let policy = try #require(try fixture.storedRun(id)).policy.decoded(as: CapabilityPolicy.self)
                #expect(!policy.allowsMemoryWrites, "\(profile)")
                #expect(!policy.allowsSelfModification, "\(profile)")
                try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: fixture.operatorKey) { _ in }
            }
            for policy in [#"{"self_modify":true}"#, #"{"memory":true}"#] {
                let (status, _) = try await Self.startRun(client, #"{"task":"Change your prompt","policy":\#(policy)}"#, key: fixture.operatorKey)
                #expect(status == .forbidden, "\(policy)")
            }
        }
        fixture.home.remove()
    }

    @Test("a profile that reaches Nexus's home or its database is refused, even when an admin wrote it, and even through a symlink")
    func profilesReachingTheHomeAreRefused() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": ["done"]])
        let home = fixture.home.url
        let policies = home.appendingPathComponent("policies")
        try FileManager.default.createDirectory(at: policies, withIntermediateDirectories: true)
        let outside = try TemporaryDirectory()
        try FileManager.default.createSymbolicLink(atPath: outside.url.appendingPathComponent("home-link").path, withDestinationPath: home.path)
        let profiles = [
            "everything": #"read = ["/"]"#,
            "home": #"read = ["\#(home.path)"]"#,
            "keys": #"databases = ["\#(home.path)/nexus.db"]"#,
            "parent": #"write = ["../.."]"#,
            "models": #"read = ["\#(home.path)/models"]"#,
            "linked": #"read = ["\#(outside.url.path)/home-link"]"#,
        ]
        for (name, text) in profiles {
            try text.write(to: policies.appendingPathComponent("\(name).toml"), atomically: true, encoding: .utf8)
        }
        try #"read = ["\#(outside.url.path)"]"#.write(to: policies.appendingPathComponent("data.toml"), atomically: true, encoding: .utf8)
        let (adminKey, _) = try fixture.newKey(.admin, name: "admin")
        try await fixture.application().test(.router) { client in
            for name in profiles.keys.sorted() {
                for key in [fixture.operatorKey, adminKey] {
                    let (status, body) = try await Self.startRun(client, #"{"task":"Read the keys","profile":"\#(name)"}"#, key: key)
                    #expect(status == .forbidden, "\(name)")
                    #expect(body["error"]?["message"]?.stringValue?.contains("Nexus's own files") == true, "\(name): \(body)")
                }
            }
            let (unknown, _) = try await Self.startRun(client, #"{"task":"x","profile":"nope"}"#, key: fixture.operatorKey)
            #expect(unknown == .badRequest)
            let (bad, _) = try await Self.startRun(client, #"{"task":"x","profile":"../default"}"#, key: fixture.operatorKey)
            #expect(bad == .badRequest)
            // A profile an admin wrote that stays outside the home works; a link inside it does not lead out.
            let (status, body) = try await Self.startRun(client, #"{"task":"Say done","profile":"data","policy":{"read":["\#(outside.url.path)/home-link"]}}"#,
                                                         key: fixture.operatorKey)
            #expect(status == .forbidden, "a path that leaves the profile through a link: \(body)")
            let (allowed, started) = try await Self.startRun(client, #"{"task":"Say done","profile":"data"}"#, key: fixture.operatorKey)
            #expect(allowed == .created, "\(started)")
            if let id = started["id"]?.stringValue {
                try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: fixture.operatorKey) { _ in }
            }
        }
        outside.remove()
        fixture.home.remove()
    }

    @Test("every limit a request sets has a server maximum: budgets above it get 403, a profile above it is refused")
    func limitsHaveCeilings() async throws {
        var configured = try ServerFixture(scripts: ["script-agent": ["done"]])
        configured.configuration.agentCeilings.maxSteps = 20
        let fixture = configured
        let policies = fixture.home.url.appendingPathComponent("policies")
        try FileManager.default.createDirectory(at: policies, withIntermediateDirectories: true)
        try "[limits]\noutput_kb = 1048576\n".write(to: policies.appendingPathComponent("big.toml"), atomically: true, encoding: .utf8)
        try await fixture.application().test(.router) { client in
            for body in [#"{"task":"x","max_steps":21}"#, #"{"task":"x","max_tokens":1e12}"#, #"{"task":"x","max_seconds":1e9}"#,
                         #"{"task":"x","profile":"big"}"#] {
                let (status, answer) = try await Self.startRun(client, body, key: fixture.operatorKey)
                #expect(status == .forbidden, "\(body)")
                #expect(answer["error"]?["message"]?.stringValue?.contains("maximum") == true, "\(body): \(answer)")
            }
            let (status, _) = try await Self.startRun(client, #"{"task":"x","max_steps":-1}"#, key: fixture.operatorKey)
            #expect(status == .badRequest)
        }
        fixture.home.remove()
    }

    @Test("a policy key this server cannot narrow is refused, never passed through")
    func unknownPolicyKeysAreRefused() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": ["done"]])
        try await fixture.application().test(.router) { client in
            let (status, _) = try await Self.startRun(client, #"{"task":"x","policy":{"everything":true}}"#, key: fixture.operatorKey)
            #expect(status == .badRequest)
            let (limitStatus, _) = try await Self.startRun(client, #"{"task":"x","policy":{"limits":{"disk_gb":1}}}"#, key: fixture.operatorKey)
            #expect(limitStatus == .badRequest)
        }
        fixture.home.remove()
    }
}

@Suite("Admin-only policy profiles")
struct AdminProfileTests {
    @Test("a profile in policies/admin is refused to an operator and open to an admin; a request naming it may still only narrow it")
    func adminProfilesNeedAnAdminKey() async throws {
        let fixture = try ServerFixture(scripts: ["script-agent": ["done", "done"]])
        let adminFolder = fixture.home.url.appendingPathComponent("policies/admin")
        try FileManager.default.createDirectory(at: adminFolder, withIntermediateDirectories: true)
        try #"commands = ["ls", "git"]"#.write(to: adminFolder.appendingPathComponent("builder.toml"), atomically: true, encoding: .utf8)
        let (admin, _) = try fixture.newKey(.admin, name: "admin")
        try await fixture.application().test(.router) { client in
            try await client.post("/v1/agent/runs", #"{"task":"Build","profile":"builder"}"#, headers: fixture.operatorKey) { response in
                #expect(response.status == .forbidden)
                #expect(response.object["error"]?["message"]?.stringValue?.contains("admin and owner keys only") == true)
            }
            try await client.post("/v1/agent/runs", #"{"task":"Build","profile":"builder","policy":{"commands":"any"}}"#, headers: admin) { response in
                #expect(response.status == .forbidden)
            }
            let id: String = try await client.post("/v1/agent/runs", #"{"task":"Build","profile":"builder"}"#, headers: admin) { response in
                #expect(response.status == .created)
                return response.object["id"]?.stringValue ?? ""
            }
            #expect(try fixture.storedRun(id)?.policy.decoded(as: CapabilityPolicy.self).commands == ["ls", "git"])
            try await client.execute(uri: "/v1/agent/runs/\(id)/events", method: .get, headers: admin) { _ in }
            let many = "[" + Array(repeating: #"".""#, count: 300).joined(separator: ",") + "]"
            try await client.post("/v1/agent/runs", #"{"task":"x","policy":{"read":\#(many)}}"#, headers: fixture.operatorKey) { response in
                #expect(response.status == .badRequest)
            }
        }
        fixture.home.remove()
    }
}
