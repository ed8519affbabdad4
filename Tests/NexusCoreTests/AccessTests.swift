import Foundation
import NexusCore
import Testing

/// A `KeyAuthenticator` over a fixed dictionary of secrets, counting lookups.
final class DictionaryKeys: KeyAuthenticator, @unchecked Sendable {
    let keys: [String: KeyRecord]
    private let lock = NSLock()
    private var lookupCount = 0

    init(_ keys: [String: KeyRecord]) { self.keys = keys }

    var lookups: Int {
        lock.lock()
        defer { lock.unlock() }
        return lookupCount
    }

    func authenticate(secret: String) throws -> KeyRecord? {
        lock.lock()
        lookupCount += 1
        lock.unlock()
        guard let key = keys[secret], key.isActive else { return nil }
        return key
    }
}

private func key(_ role: Role, revoked: Bool = false) -> KeyRecord {
    KeyRecord(id: "key_\(role)", name: "\(role)", role: role, createdAt: Date(timeIntervalSince1970: 0),
              revokedAt: revoked ? Date(timeIntervalSince1970: 1) : nil)
}

@Suite struct RoleAndPermissionTests {
    @Test func rolesAreOrderedAndCodableAsLowercaseWords() throws {
        #expect(Role.allCases.sorted() == [.viewer, .operator, .admin, .owner])
        #expect(Role.viewer < .operator && .operator < .admin && .admin < .owner)
        #expect(String(decoding: try JSONEncoder().encode([Role.operator, .owner]), as: UTF8.self) == #"["operator","owner"]"#)
        #expect(try JSONDecoder().decode([Role].self, from: Data(#"["viewer","admin"]"#.utf8)) == [.viewer, .admin])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Role.self, from: Data(#""Admin""#.utf8)) }
        #expect(try Role(parsing: " Operator ") == .operator)
        let error = #expect(throws: NexusError.self) { try Role(parsing: "root") }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("viewer, operator, admin or owner") == true)
    }

    /// The documented matrix (docs/keys.md), written out: which roles hold which permission.
    @Test("the permission matrix is the documented one", arguments: [
        (Permission.readModels, [Role.viewer, .operator, .admin, .owner], true),
        (.readRuns, [.viewer, .operator, .admin, .owner], true),
        (.readMetrics, [.viewer, .operator, .admin, .owner], true),
        (.generate, [.operator, .admin, .owner], true),
        (.executeTools, [.operator, .admin, .owner], false),
        (.manageModels, [.admin, .owner], true),
        (.administer, [.admin, .owner], false),
        (.manageKeys, [.owner], false),
    ])
    func matrix(permission: Permission, holders: [Role], openOnLoopback: Bool) {
        #expect(Role.allCases.filter { $0.allows(permission) } == holders)
        #expect(permission.isOpenOnLoopback == openOnLoopback)
    }

    @Test func everyPermissionIsInTheMatrixAndTheOwnerHoldsAll() {
        #expect(Permission.allCases.count == 8)
        #expect(Permission.allCases.allSatisfy { Role.owner.allows($0) })
        // Running tools, administration and keys are never granted without a key.
        #expect(Permission.allCases.filter { !$0.isOpenOnLoopback } == [.executeTools, .administer, .manageKeys])
    }
}

@Suite struct AccessPolicyTests {
    let keys = DictionaryKeys([
        "viewer-secret": key(.viewer), "operator-secret": key(.operator), "admin-secret": key(.admin),
        "owner-secret": key(.owner), "revoked-secret": key(.operator, revoked: true),
    ])

    @Test func openRoutesNeedNothingAnywhere() throws {
        for loopback in [true, false] {
            let policy = AccessPolicy(boundToLoopback: loopback, keys: keys)
            for path in ["/api/version", "/health", "/health/"] {
                #expect(try policy.authorize(method: "GET", path: path, authorization: nil) == .allowed(.anonymous))
                #expect(try policy.authorize(method: "GET", path: path, authorization: "Bearer garbage") == .allowed(.anonymous))
            }
        }
        #expect(keys.lookups == 0)
    }

    @Test func offLoopbackEveryOtherRouteNeedsAKey() throws {
        let policy = AccessPolicy(boundToLoopback: false, keys: keys)
        for (method, path) in [("GET", "/api/tags"), ("POST", "/api/chat"), ("GET", "/v1/models"), ("GET", "/metrics"),
                               ("GET", "/v1/agent/runs"), ("POST", "/v1/agent/runs"), ("POST", "/api/pull"), ("GET", "/admin/keys")] {
            #expect(try policy.authorize(method: method, path: path, authorization: nil) == .unauthenticated, "\(method) \(path)")
        }
        #expect(try policy.authorize(method: "GET", path: "/api/tags", authorization: "Bearer viewer-secret") == .allowed(.key(key(.viewer))))
        #expect(try policy.authorize(method: "POST", path: "/api/chat", authorization: "bearer operator-secret") == .allowed(.key(key(.operator))))
    }

    @Test func missingUnknownRevokedAndMalformedKeysGetTheSame401() throws {
        let policy = AccessPolicy(boundToLoopback: false, keys: keys)
        let headers: [String?] = [nil, "Bearer nxk_unknown", "Bearer revoked-secret", "Bearer ", "Basic b3BlcmF0b3I6", "operator-secret", "Bearer a b"]
        let decisions = try headers.map { try policy.authorize(method: "POST", path: "/v1/chat/completions", authorization: $0) }
        #expect(decisions.allSatisfy { $0 == .unauthenticated })
        #expect(Set(decisions.map(\.httpStatus)) == [401])
        #expect(Set(decisions.map(\.message)).count == 1)
        #expect(AccessDecision.unauthenticated.message?.contains("Authorization: Bearer") == true)
    }

    @Test func onLoopbackReadingAndGeneratingNeedNoKey() throws {
        let policy = AccessPolicy(boundToLoopback: true, keys: keys)
        for (method, path) in [("GET", "/api/tags"), ("POST", "/api/show"), ("GET", "/api/ps"), ("GET", "/v1/models"),
                               ("POST", "/api/generate"), ("POST", "/api/chat"), ("POST", "/api/embed"), ("POST", "/v1/chat/completions"),
                               ("POST", "/v1/embeddings"), ("GET", "/metrics"), ("GET", "/v1/agent/runs/run_1/events")] {
            #expect(try policy.authorize(method: method, path: path, authorization: nil) == .allowed(.anonymous), "\(method) \(path)")
            // A key that does not authenticate counts as none (OpenAI clients send a placeholder).
            #expect(try policy.authorize(method: method, path: path, authorization: "Bearer ollama") == .allowed(.anonymous))
        }
        // A valid key is recognized, even with a role below what the route would need elsewhere.
        #expect(try policy.authorize(method: "POST", path: "/api/chat", authorization: "Bearer viewer-secret") == .allowed(.key(key(.viewer))))
    }

    @Test func executingToolsAlwaysNeedsAnOperatorKeyEvenOnLoopback() throws {
        for loopback in [true, false] {
            let policy = AccessPolicy(boundToLoopback: loopback, keys: keys)
            for path in ["/v1/agent/runs", "/v1/agent/runs/run_1/cancel"] {
                #expect(try policy.authorize(method: "POST", path: path, authorization: nil) == .unauthenticated)
                #expect(try policy.authorize(method: "POST", path: path, authorization: "Bearer revoked-secret") == .unauthenticated)
                #expect(try policy.authorize(method: "POST", path: path, authorization: "Bearer viewer-secret")
                        == .forbidden(key: key(.viewer), permission: .executeTools))
                for role in [Role.operator, .admin, .owner] {
                    #expect(try policy.authorize(method: "POST", path: path, authorization: "Bearer \(role)-secret") == .allowed(.key(key(role))))
                }
            }
            // A handler about to run tools for a chat request asks again.
            #expect(try policy.authorize(presentedKey: nil, permission: .executeTools) == .unauthenticated)
        }
    }

    @Test func aRoleTooLowGets403NamingWhatIsNeeded() throws {
        let policy = AccessPolicy(boundToLoopback: false, keys: keys)
        let chat = try policy.authorize(method: "POST", path: "/api/chat", authorization: "Bearer viewer-secret")
        #expect(chat == .forbidden(key: key(.viewer), permission: .generate))
        #expect(chat.httpStatus == 403)
        #expect(chat.message?.contains("key_viewer") == true && chat.message?.contains("operator or higher") == true)
        #expect(try policy.authorize(method: "DELETE", path: "/api/delete", authorization: "Bearer operator-secret").httpStatus == 403)
        #expect(try policy.authorize(method: "DELETE", path: "/api/delete", authorization: "Bearer admin-secret").isAllowed)
        #expect(try policy.authorize(method: "POST", path: "/admin/keys", authorization: "Bearer admin-secret").httpStatus == 403)
        #expect(try policy.authorize(method: "POST", path: "/admin/keys", authorization: "Bearer owner-secret").isAllowed)
        // Managing models is open on loopback, as in Ollama; starting agents is not.
        let loopback = AccessPolicy(boundToLoopback: true, keys: keys)
        #expect(try loopback.authorize(method: "POST", path: "/api/pull", authorization: nil).isAllowed)
        #expect(try loopback.authorize(method: "POST", path: "/v1/agent/runs", authorization: nil) == .unauthenticated)
    }

    @Test func aRevokedRecordPassedToTheRulesCountsAsNone() {
        #expect(AccessPolicy.decide(permission: .generate, key: key(.owner, revoked: true), boundToLoopback: false) == .unauthenticated)
        #expect(AccessPolicy.decide(permission: .generate, key: key(.owner, revoked: true), boundToLoopback: true) == .allowed(.anonymous))
        #expect(AccessPolicy.decide(permission: .executeTools, key: key(.owner, revoked: true), boundToLoopback: true) == .unauthenticated)
    }

    @Test func onlyBearerHeadersPresentAKey() {
        #expect(AccessPolicy.presentedKey(authorization: "Bearer nxk_abc") == "nxk_abc")
        #expect(AccessPolicy.presentedKey(authorization: "  BEARER   nxk_abc  ") == "nxk_abc")
        #expect(AccessPolicy.presentedKey(authorization: nil) == nil)
        #expect(AccessPolicy.presentedKey(authorization: "Bearer") == nil)
        #expect(AccessPolicy.presentedKey(authorization: "Bearer    ") == nil)
        #expect(AccessPolicy.presentedKey(authorization: "Basic nxk_abc") == nil)
        #expect(AccessPolicy.presentedKey(authorization: "nxk_abc") == nil)
    }

    @Test("loopback hosts", arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("localhost", true), ("LOCALHOST", true), ("::1", true), ("[::1]", true),
        ("0:0:0:0:0:0:0:1", true), ("::ffff:127.0.0.1", true),
        ("0.0.0.0", false), ("::", false), ("", false), ("192.168.1.10", false), ("128.0.0.1", false), ("127.0.0.256", false),
        ("127.0.0", false), ("127.0.0.1.5", false), ("localhost.example.com", false), ("::ffff:10.0.0.1", false), ("127.0.0.1x", false),
    ])
    func loopbackHosts(host: String, loopback: Bool) {
        #expect(AccessPolicy.isLoopback(host: host) == loopback)
        #expect(AccessPolicy(host: host, keys: keys).boundToLoopback == loopback)
    }
}

@Suite struct RouteAccessTableTests {
    let table = RouteAccessTable.standard

    @Test("each route of the server needs its documented permission", arguments: [
        ("GET", "/api/version", RouteAccess.open), ("GET", "/health", .open), ("HEAD", "/health", .open),
        ("GET", "/api/tags", .requires(.readModels)), ("POST", "/api/show", .requires(.readModels)), ("GET", "/api/ps", .requires(.readModels)),
        ("GET", "/v1/models", .requires(.readModels)), ("GET", "/v1/models/qwen2.5-coder:0.5b", .requires(.readModels)),
        ("POST", "/api/generate", .requires(.generate)), ("POST", "/api/chat", .requires(.generate)),
        ("POST", "/api/embed", .requires(.generate)), ("POST", "/api/embeddings", .requires(.generate)),
        ("POST", "/v1/chat/completions", .requires(.generate)), ("POST", "/v1/completions", .requires(.generate)),
        ("POST", "/v1/embeddings", .requires(.generate)),
        ("POST", "/v1/agent/runs", .requires(.executeTools)), ("POST", "/v1/agent/runs/run_abc/cancel", .requires(.executeTools)),
        ("GET", "/v1/agent/runs", .requires(.readRuns)), ("GET", "/v1/agent/runs/run_abc", .requires(.readRuns)),
        ("GET", "/v1/agent/runs/run_abc/events", .requires(.readRuns)),
        ("POST", "/api/pull", .requires(.manageModels)), ("POST", "/api/create", .requires(.manageModels)),
        ("POST", "/api/copy", .requires(.manageModels)), ("DELETE", "/api/delete", .requires(.manageModels)),
        ("HEAD", "/api/blobs/sha256:abc", .requires(.manageModels)),
        ("GET", "/metrics", .requires(.readMetrics)),
        ("GET", "/admin/config", .requires(.administer)), ("POST", "/admin/keys", .requires(.manageKeys)),
        ("DELETE", "/admin/keys/key_abc", .requires(.manageKeys)),
    ])
    func route(method: String, path: String, access: RouteAccess) {
        #expect(table.access(method: method, path: path) == access)
    }

    @Test func queriesSlashesAndCaseOfTheMethodDoNotChangeTheAnswer() {
        #expect(table.access(method: "get", path: "/api/tags?verbose=1") == .requires(.readModels))
        #expect(table.access(method: "POST", path: "//v1//chat/completions/") == .requires(.generate))
        #expect(table.access(method: "GET", path: "/api/version?x=/admin") == .open)
    }

    @Test func unknownRoutesAndMethodsFailClosed() {
        for (method, path) in [("GET", "/api/secret"), ("POST", "/api/version"), ("DELETE", "/v1/agent/runs/run_1"),
                               ("GET", "/v1/agent/runs/run_1/events/extra"), ("GET", "/API/TAGS"), ("PUT", "/api/chat"),
                               ("POST", "/api/version/../pull")] {
            #expect(table.access(method: method, path: path) == .requires(.administer), "\(method) \(path)")
            #expect(table.rule(method: method, path: path) == nil)
        }
    }

    @Test func constantTimeComparisonComparesEveryByte() {
        #expect(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equal([9, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2]))
        #expect(ConstantTime.equal([UInt8](), []))
    }
}

@Suite struct LoopbackRequestGuardTests {
    let guardOn11434 = LoopbackRequestGuard(port: 11434)

    @Test("loopback authorities with the server's port or none are its own", arguments: [
        ("127.0.0.1:11434", true), ("localhost", true), ("LOCALHOST:11434", true), ("[::1]:11434", true), ("[::1]", true),
        ("127.9.9.9", true), ("localhost:11435", false), ("evil.example", false), ("evil.example:11434", false),
        ("127.0.0.1.nip.io", false), ("0.0.0.0:11434", false), ("::1", false), ("127.0.0.1:", false), ("user@127.0.0.1", false),
        ("127.0.0.1:11434/x", false), ("", false), ("127.0.0.1, evil.example", false),
    ])
    func authorities(authority: String, own: Bool) {
        #expect(guardOn11434.isOwnAuthority(authority) == own)
    }

    @Test("only the server's own loopback origin is its own; null, other ports and other sites are not", arguments: [
        ("http://127.0.0.1:11434", true), ("http://localhost:11434", true), ("http://[::1]:11434", true), ("HTTP://LOCALHOST:11434", true),
        ("http://localhost:3000", false), ("http://localhost", false), ("null", false), ("http://evil.example", false),
        ("file://", false), ("http://127.0.0.1:11434.evil.example", false), ("chrome-extension://abc", false),
    ])
    func origins(origin: String, own: Bool) {
        #expect(guardOn11434.isOwnOrigin(origin) == own)
    }

    @Test func aPageAnotherSiteSentIsRefusedAndAClientThatSaysNothingIsNot() {
        #expect(guardOn11434.refusal(.init()) == nil)
        #expect(guardOn11434.refusal(.init(hosts: ["127.0.0.1:11434"], origin: "http://127.0.0.1:11434", fetchSite: "same-origin")) == nil)
        #expect(guardOn11434.refusal(.init(hosts: ["localhost"], fetchSite: "none")) == nil)
        #expect(guardOn11434.refusal(.init(hosts: ["evil.example:11434"]))?.contains("DNS rebinding") == true)
        #expect(guardOn11434.refusal(.init(hosts: ["localhost", "evil.example"])) != nil)
        #expect(guardOn11434.refusal(.init(origin: "http://evil.example"))?.contains("evil.example") == true)
        #expect(guardOn11434.refusal(.init(fetchSite: "cross-site")) != nil)
        #expect(guardOn11434.refusal(.init(fetchSite: "Same-Site")) != nil)
    }

    @Test func onLoopbackAKeylessRequestFromAPageIsRefusedButAKeyedOneIsNot() throws {
        let keys = DictionaryKeys(["op": key(.operator)])
        let policy = AccessPolicy(host: "127.0.0.1", port: 11434, keys: keys)
        let page = LoopbackRequestGuard.Provenance(hosts: ["evil.example:11434"], origin: "http://evil.example:11434")
        let refused = try policy.authorize(method: "GET", path: "/api/tags", authorization: nil, provenance: page)
        #expect(refused.httpStatus == 403)
        #expect(try policy.authorize(method: "POST", path: "/api/pull", authorization: "Bearer nxk_wrong", provenance: page).httpStatus == 403)
        #expect(try policy.authorize(method: "GET", path: "/api/tags", authorization: "Bearer op", provenance: page) == .allowed(.key(key(.operator))))
        #expect(try policy.authorize(method: "GET", path: "/health", authorization: nil, provenance: page) == .allowed(.anonymous))
        #expect(try policy.authorize(method: "GET", path: "/api/tags", authorization: nil, provenance: .init(hosts: ["localhost:11434"])) == .allowed(.anonymous))
    }
}

@Suite struct RunAccessTests {
    @Test func aRunIsItsOwnersAndTheAdminsAndNoOneElses() {
        let owner = KeyRecord(id: "key_owner", name: "a", role: .operator, createdAt: Date(timeIntervalSince1970: 0))
        let other = KeyRecord(id: "key_other", name: "b", role: .operator, createdAt: Date(timeIntervalSince1970: 0))
        #expect(RunAccess.mayRead(owner: owner.id, caller: .key(owner)))
        #expect(RunAccess.mayControl(owner: owner.id, caller: .key(owner)))
        #expect(!RunAccess.mayRead(owner: owner.id, caller: .key(other)))
        #expect(!RunAccess.mayControl(owner: owner.id, caller: .key(other)))
        #expect(!RunAccess.mayRead(owner: owner.id, caller: .anonymous))
        #expect(!RunAccess.mayRead(owner: owner.id, caller: .key(key(.viewer))))
        for role in [Role.admin, .owner] {
            #expect(RunAccess.mayRead(owner: owner.id, caller: .key(key(role))))
            #expect(RunAccess.mayControl(owner: owner.id, caller: .key(key(role))))
            #expect(RunAccess.scope(of: .key(key(role))) == .all)
        }
        // A run started outside the server belongs to no key: this machine's user, and admins.
        #expect(RunAccess.mayRead(owner: nil, caller: .anonymous))
        #expect(!RunAccess.mayControl(owner: nil, caller: .anonymous))
        #expect(!RunAccess.mayRead(owner: nil, caller: .key(other)))
        #expect(RunAccess.scope(of: .key(other)) == .ownedBy("key_other"))
        #expect(RunAccess.scope(of: .anonymous) == .unowned)
    }
}
