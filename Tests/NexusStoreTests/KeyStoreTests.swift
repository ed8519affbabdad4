import Crypto
import Foundation
import NexusCore
import NexusStore
import Testing

/// A clock that tests move by hand.
private final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_700_000_000)

    var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    func advance(_ seconds: TimeInterval) {
        lock.lock()
        current += seconds
        lock.unlock()
    }
}

private func sha256Hex(_ text: String) -> String {
    SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
}

@Suite struct KeyStoreTests {
    @Test func aCreatedKeyAuthenticatesWithItsSecretOnly() throws {
        let keys = KeyStore(database: try NexusDatabase.inMemory())
        let issued = try keys.create(name: "ci", role: .operator)
        #expect(issued.secret.hasPrefix("nxk_"))
        #expect(issued.secret.count == KeyStore.secretLength && KeyStore.secretLength == 47)
        #expect(KeyStore.isWellFormed(issued.secret))
        #expect(issued.record.id.hasPrefix("key_") && issued.record.name == "ci" && issued.record.role == .operator)
        #expect(issued.record.isActive && issued.record.lastUsedAt == nil && issued.record.rotatedFrom == nil)

        let other = try keys.create(name: nil, role: .viewer)
        #expect(other.secret != issued.secret && other.record.id != issued.record.id)
        #expect(other.record.name == "viewer")

        let found = try #require(try keys.authenticate(secret: issued.secret))
        #expect(found.id == issued.record.id && found.role == .operator)
        #expect(found.lastUsedAt != nil)
        #expect(try keys.authenticate(secret: other.secret)?.id == other.record.id)
        #expect(try keys.list().map(\.id) == [issued.record.id, other.record.id])
        #expect(try keys.key(id: issued.record.id)?.lastUsedAt != nil)
    }

    @Test func unknownRevokedAndMalformedSecretsAllGiveNil() throws {
        let keys = KeyStore(database: try NexusDatabase.inMemory())
        let issued = try keys.create(name: "laptop", role: .owner)
        let revoked = try keys.create(name: "old", role: .owner)
        try keys.revoke(id: revoked.record.id)
        var changed = Array(issued.secret)
        changed[changed.count - 1] = changed.last == "A" ? "B" : "A"
        let presented = [
            "", "nxk_", String(changed), revoked.secret, issued.secret + "x", " " + issued.secret, issued.secret.uppercased(),
            String(issued.secret.dropFirst(4)), "Bearer " + issued.secret, sha256Hex(issued.secret), "nxk_" + String(repeating: "é", count: 43),
            String(repeating: "a", count: 100_000),
        ]
        for secret in presented {
            #expect(try keys.authenticate(secret: secret) == nil, "\(secret.prefix(60))")
        }
        #expect(try keys.authenticate(secret: issued.secret) != nil)
    }

    @Test("the async check (the server's) answers as the synchronous one: stored digests only, revoked keys never, uses stamped")
    func asyncCheckMatches() async throws {
        let clock = TestClock()
        let keys = KeyStore(database: try NexusDatabase.inMemory(), now: { clock.now })
        let issued = try keys.create(name: "ci", role: .operator)
        let other = try keys.create(name: "other", role: .viewer)
        #expect(try await keys.authenticateAsync(secret: issued.secret)?.id == issued.record.id)
        #expect(try await keys.authenticateAsync(secret: issued.secret)?.lastUsedAt == clock.now)
        for secret in ["", "nxk_", sha256Hex(issued.secret), String(issued.secret.dropLast()) + (issued.secret.hasSuffix("A") ? "B" : "A"), String(repeating: "a", count: 100_000)] {
            #expect(try await keys.authenticateAsync(secret: secret) == nil, "\(secret.prefix(60))")
        }
        clock.advance(120)
        #expect(try await keys.authenticateAsync(secret: issued.secret)?.lastUsedAt == clock.now)
        #expect(try keys.revoke(id: issued.record.id))
        #expect(try await keys.authenticateAsync(secret: issued.secret) == nil)
        #expect(try await keys.authenticateAsync(secret: other.secret)?.role == .viewer)
    }

    @Test func revokingStopsAKeyAtOnceAndForGood() throws {
        let keys = KeyStore(database: try NexusDatabase.inMemory())
        let issued = try keys.create(name: "ci", role: .admin)
        #expect(try keys.authenticate(secret: issued.secret) != nil)
        #expect(try keys.revoke(id: issued.record.id))
        #expect(try keys.authenticate(secret: issued.secret) == nil)
        #expect(try keys.revoke(id: issued.record.id) == false)
        let listed = try #require(try keys.list().first)
        #expect(!listed.isActive && listed.revokedAt != nil)

        let missing = #expect(throws: NexusError.self) { try keys.revoke(id: "key_nosuchkey00") }
        #expect(missing?.code == .notFound)
        #expect(missing?.message.contains("key_nosuchkey00") == true && missing?.message.contains("nexus keys list") == true)
    }

    @Test func rotatingReplacesTheSecretKeepingNameAndRole() throws {
        let keys = KeyStore(database: try NexusDatabase.inMemory())
        let old = try keys.create(name: "deploy", role: .admin)
        let new = try keys.rotate(id: old.record.id)
        #expect(new.secret != old.secret && new.record.id != old.record.id)
        #expect(new.record.name == "deploy" && new.record.role == .admin && new.record.rotatedFrom == old.record.id)
        #expect(try keys.authenticate(secret: old.secret) == nil)
        #expect(try keys.authenticate(secret: new.secret)?.id == new.record.id)
        let listed = try keys.list()
        #expect(listed.count == 2)
        #expect(listed.first { $0.id == old.record.id }?.isActive == false)

        let again = #expect(throws: NexusError.self) { try keys.rotate(id: old.record.id) }
        #expect(again?.code == .invalidArgument)
        #expect(again?.message.contains("revoked") == true)
        #expect(try keys.list().count == 2)
        let missing = #expect(throws: NexusError.self) { try keys.rotate(id: "key_missing") }
        #expect(missing?.code == .notFound)
    }

    @Test func lastUsedIsWrittenAtMostOncePerMinute() throws {
        let clock = TestClock()
        let keys = KeyStore(database: try NexusDatabase.inMemory(), now: { clock.now })
        let issued = try keys.create(name: "busy", role: .operator)
        let start = clock.now
        #expect(try keys.authenticate(secret: issued.secret)?.lastUsedAt == start)
        clock.advance(30)
        #expect(try keys.authenticate(secret: issued.secret)?.lastUsedAt == start)
        #expect(try keys.key(id: issued.record.id)?.lastUsedAt == start)
        clock.advance(31)
        #expect(try keys.authenticate(secret: issued.secret)?.lastUsedAt == start + 61)
        #expect(try keys.key(id: issued.record.id)?.lastUsedAt == start + 61)
    }

    @Test func namesAreChecked() throws {
        let keys = KeyStore(database: try NexusDatabase.inMemory())
        for name in ["", "   ", String(repeating: "n", count: 101), "line\nbreak", "tab\u{7}bell"] {
            let error = #expect(throws: NexusError.self) { try keys.create(name: name, role: .viewer) }
            #expect(error?.code == .invalidArgument)
        }
        #expect(try keys.list().isEmpty)
        #expect(try keys.create(name: "  padded  ", role: .viewer).record.name == "padded")
    }

    @Test func theDatabaseFilesHoldOnlyTheHashOfEachSecret() throws {
        try withTemporaryFolder { folder in
            var secrets: [String] = []
            do {
                let keys = KeyStore(database: try NexusDatabase.open(at: folder.appendingPathComponent("nexus.db")))
                let first = try keys.create(name: "one", role: .owner)
                let second = try keys.rotate(id: try keys.create(name: "two", role: .viewer).record.id)
                secrets = [first.secret, second.secret]
                #expect(try keys.authenticate(secret: first.secret) != nil)
                // Scan while the database is open (the rows may still be only in the WAL file) ...
                try expectOnlyHashes(of: secrets, in: folder)
            }
            // ... and after it is closed and checkpointed.
            try expectOnlyHashes(of: secrets, in: folder)
        }
    }

    private func expectOnlyHashes(of secrets: [String], in folder: URL) throws {
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        let bytes = try files.reduce(Data()) { $0 + (try Data(contentsOf: $1)) }
        #expect(!bytes.isEmpty)
        for secret in secrets {
            #expect(bytes.range(of: Data(secret.utf8)) == nil)
            #expect(bytes.range(of: Data(secret.dropFirst(4).prefix(20).utf8)) == nil)
            // The hash is there, so the scan did look at the stored rows.
            #expect(bytes.range(of: Data(sha256Hex(secret).utf8)) != nil)
        }
    }

    @Test func anIssuedKeyNeverPrintsItsSecret() throws {
        let issued = try KeyStore(database: try NexusDatabase.inMemory()).create(name: "ci", role: .operator)
        var dumped = ""
        dump(issued, to: &dumped)
        for text in ["\(issued)", String(reflecting: issued), dumped] {
            #expect(!text.contains(issued.secret))
            #expect(text.contains(issued.record.id))
        }
    }

    @Test func theServerPolicyOverRealKeys() throws {
        let keys = KeyStore(database: try NexusDatabase.inMemory())
        let operatorKey = try keys.create(name: "agent", role: .operator)
        let viewerKey = try keys.create(name: "dashboard", role: .viewer)
        let loopback = AccessPolicy(host: "127.0.0.1", keys: keys)
        let exposed = AccessPolicy(host: "0.0.0.0", keys: keys)

        #expect(try loopback.authorize(method: "POST", path: "/v1/agent/runs", authorization: nil) == .unauthenticated)
        #expect(try loopback.authorize(method: "POST", path: "/v1/agent/runs", authorization: "Bearer \(viewerKey.secret)").httpStatus == 403)
        let started = try loopback.authorize(method: "POST", path: "/v1/agent/runs", authorization: "Bearer \(operatorKey.secret)")
        #expect(started.isAllowed)
        if case .allowed(let caller) = started { #expect(caller.keyID == operatorKey.record.id) }
        #expect(try loopback.authorize(method: "POST", path: "/api/chat", authorization: nil) == .allowed(.anonymous))
        #expect(try exposed.authorize(method: "POST", path: "/api/chat", authorization: nil) == .unauthenticated)
        #expect(try exposed.authorize(method: "GET", path: "/api/tags", authorization: "Bearer \(viewerKey.secret)").isAllowed)

        try keys.revoke(id: operatorKey.record.id)
        let afterRevoke = try exposed.authorize(method: "POST", path: "/api/chat", authorization: "Bearer \(operatorKey.secret)")
        let unknown = try exposed.authorize(method: "POST", path: "/api/chat", authorization: "Bearer nxk_\(String(repeating: "A", count: 43))")
        let malformed = try exposed.authorize(method: "POST", path: "/api/chat", authorization: "Bearer sk-placeholder")
        #expect(afterRevoke == .unauthenticated && unknown == .unauthenticated && malformed == .unauthenticated)
        #expect(afterRevoke.message == unknown.message && unknown.message == malformed.message)
    }
}
