import Foundation
import NexusCore
import NexusStore
import Testing

/// The credential store: values sealed at rest, bound to their name, re-wrapped by a key rotation.
@Suite struct CredentialStoreTests {
    /// A home with a database file, so the bytes on disk can be searched.
    private struct Home {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-credentials-\(UUID().uuidString)")
        var databasePath: String { url.appendingPathComponent(NexusDatabase.fileName).path }
        func store() throws -> CredentialStore {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            return CredentialStore(database: try NexusDatabase.open(at: URL(fileURLWithPath: databasePath)), home: url)
        }
        /// Every byte Nexus keeps in the home: the database, its journal, the key files.
        func bytesOnDisk() throws -> Data {
            var all = Data()
            for file in try FileManager.default.subpathsOfDirectory(atPath: url.path) {
                all += (try? Data(contentsOf: url.appendingPathComponent(file))) ?? Data()
            }
            return all
        }
        func remove() { try? FileManager.default.removeItem(at: url) }
    }

    private let secret = "sk-live-7f3a9c1e5b2d8046"

    @Test("a value is stored sealed, read back by name, listed only by name, replaced and deleted")
    func roundTrip() throws {
        let home = Home()
        defer { home.remove() }
        let store = try home.store()
        #expect(try store.set("API_TOKEN", value: secret))
        #expect(try store.value(of: "API_TOKEN") == secret)
        #expect(try store.value(of: "OTHER") == nil)
        #expect(try store.entries().map(\.name) == ["API_TOKEN"])
        // Nowhere on disk in the clear: not in the database, its journal or the key files.
        #expect(try home.bytesOnDisk().range(of: Data(secret.utf8)) == nil)
        #expect(try !store.set("API_TOKEN", value: "second"))
        #expect(try store.value(of: "API_TOKEN") == "second")
        #expect(try store.delete("API_TOKEN"))
        #expect(try store.value(of: "API_TOKEN") == nil)
        // The key file is the owner's only.
        let mode = try FileManager.default.attributesOfItem(atPath: home.url.appendingPathComponent("keys/credentials.key").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test("a bad name or an empty value is refused with the rule")
    func refusals() throws {
        let home = Home()
        defer { home.remove() }
        let store = try home.store()
        for name in ["", "1ABC", "A-B", "A B", String(repeating: "A", count: 65), "a/../b"] {
            let error = #expect(throws: NexusError.self) { try store.set(name, value: "x") }
            #expect(error?.code == .invalidArgument && error?.message.contains("like GITHUB_TOKEN") == true)
        }
        let empty = #expect(throws: NexusError.self) { try store.set("EMPTY", value: "") }
        #expect(empty?.code == .invalidArgument)
    }

    @Test("a sealed value moved to another name or org does not open, and the error shows no value")
    func boundToNameAndOrg() throws {
        let home = Home()
        defer { home.remove() }
        let store = try home.store()
        try store.set("ALPHA", value: secret)
        try store.set("BETA", value: "beta-value")
        // An attacker with write access to the file swaps the sealed values.
        _ = try ExternalDatabase.query(path: home.databasePath, sql: """
            UPDATE credentials SET sealed_value = CASE name WHEN 'ALPHA' THEN (SELECT sealed_value FROM credentials WHERE name = 'BETA')
                ELSE (SELECT sealed_value FROM credentials WHERE name = 'ALPHA') END,
              wrapped_key = CASE name WHEN 'ALPHA' THEN (SELECT wrapped_key FROM credentials WHERE name = 'BETA')
                ELSE (SELECT wrapped_key FROM credentials WHERE name = 'ALPHA') END
            """, readOnly: false, maxBytes: 1 << 16)
        let swapped = #expect(throws: NexusError.self) { try store.value(of: "ALPHA") }
        #expect(swapped?.code == .keyUnavailable && swapped?.message.contains("does not open") == true)
        #expect(swapped?.message.contains(secret) == false && swapped?.message.contains("beta-value") == false)
        // Another org's store does not see the default org's names.
        let other = CredentialStore(database: store.database.scoped(to: try OrgName("acme")), home: store.home)
        #expect(try other.value(of: "BETA") == nil && other.entries().isEmpty)
    }

    @Test("rotating the key re-wraps every data key: values still open, under the new key only")
    func rotation() throws {
        let home = Home()
        defer { home.remove() }
        let store = try home.store()
        try store.set("ALPHA", value: secret)
        try store.set("BETA", value: "beta-value")
        let before = try store.entries().map(\.keyID)
        let keyFile = home.url.appendingPathComponent("keys/credentials.key")
        let oldKey = try Data(contentsOf: keyFile)
        let (count, keyID) = try store.rotateKey()
        #expect(count == 2 && keyID != before[0])
        #expect(try store.entries().map(\.keyID) == [keyID, keyID])
        #expect(try store.value(of: "ALPHA") == secret && store.value(of: "BETA") == "beta-value")
        #expect(try Data(contentsOf: keyFile) != oldKey)
        #expect(!FileManager.default.fileExists(atPath: keyFile.path + ".next"))
        // Without its key a value cannot be read, and the error says what to restore.
        try FileManager.default.removeItem(at: keyFile)
        let lost = #expect(throws: NexusError.self) { try store.value(of: "ALPHA") }
        #expect(lost?.code == .keyUnavailable && lost?.message.contains("restore credentials.key") == true)
    }
}
