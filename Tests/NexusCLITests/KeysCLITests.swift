import Foundation
import NexusCore
import NexusTesting
import Testing

@Suite("nexus keys", .serialized)
struct KeysCLITests {
    @Test func createListRotateRevokeInAFreshHome() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }

        let created = try NexusProcess.run(["keys", "create", "--role", "operator", "--name", "ci"], home: home.url)
        #expect(created.status == 0, "\(created.stderr)")
        let secret = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("nxk_") && secret.count == 47 && !secret.contains("\n"))
        #expect(created.stderr.contains("will not be shown again"))
        #expect(created.stderr.contains("Authorization: Bearer"))

        let listed = try NexusProcess.run(["keys", "list", "--json"], home: home.url)
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(!listed.stdout.contains(secret) && !listed.stdout.contains(String(secret.dropFirst(4))))
        let keys = try #require(try JSONValue.parse(listed.stdout).arrayValue)
        #expect(keys.count == 1)
        let id = try #require(keys.first?["id"]?.stringValue)
        #expect(id.hasPrefix("key_"))
        #expect(keys.first?["name"] == "ci" && keys.first?["role"] == "operator")
        #expect(keys.first?["created_at"]?.stringValue?.hasSuffix("Z") == true)
        #expect(keys.first?["revoked_at"] == nil)

        let table = try NexusProcess.run(["keys", "list"], home: home.url)
        #expect(table.stdout.contains(id) && table.stdout.contains("operator") && table.stdout.contains("active"))
        #expect(!table.stdout.contains(secret))

        let rotated = try NexusProcess.run(["keys", "rotate", id, "--json"], home: home.url)
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let issued = try JSONValue.parse(rotated.stdout)
        let newID = try #require(issued["id"]?.stringValue)
        #expect(issued["rotated_from"]?.stringValue == id && issued["role"] == "operator" && issued["name"] == "ci")
        let newSecret = try #require(issued["secret"]?.stringValue)
        #expect(newSecret.hasPrefix("nxk_") && newSecret != secret)
        #expect(rotated.stderr.contains("will not be shown again"))

        let revoked = try NexusProcess.run(["keys", "revoke", newID], home: home.url)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        let after = try JSONValue.parse(try NexusProcess.run(["keys", "list", "--json"], home: home.url).stdout).arrayValue ?? []
        #expect(after.count == 2)
        #expect(after.allSatisfy { $0["revoked_at"]?.stringValue != nil })

        // Neither secret was written anywhere under NEXUS_HOME.
        let files = FileManager.default.enumerator(at: home.url, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        let bytes = files.reduce(Data()) { $0 + ((try? Data(contentsOf: $1)) ?? Data()) }
        #expect(!bytes.isEmpty)
        #expect(bytes.range(of: Data(secret.utf8)) == nil && bytes.range(of: Data(newSecret.utf8)) == nil)
    }

    @Test func createJSONCarriesTheSecretOnce() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let created = try NexusProcess.run(["keys", "create", "--role", "Owner", "--json"], home: home.url)
        #expect(created.status == 0, "\(created.stderr)")
        let issued = try JSONValue.parse(created.stdout)
        #expect(issued["role"] == "owner" && issued["name"] == "owner")
        #expect(issued["secret"]?.stringValue?.hasPrefix("nxk_") == true)
        #expect(issued["rotated_from"] == nil)
    }

    @Test("bad input gets one clear line and a non-zero exit", arguments: [
        (["keys", "create", "--role", "root"], "is not a role; use viewer, operator, admin or owner"),
        (["keys", "create", "--role", "viewer", "--name", "  "], "name is empty"),
        (["keys", "revoke", "key_nosuchkey00"], "there is no API key key_nosuchkey00"),
        (["keys", "rotate", "key_nosuchkey00"], "there is no API key key_nosuchkey00"),
    ])
    func badInput(arguments: [String], message: String) throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let output = try NexusProcess.run(arguments, home: home.url)
        #expect(output.status != 0)
        #expect(output.stderr.contains(message), "\(output.stderr)")
        #expect(output.stderr.split(separator: "\n").count == 1, "\(output.stderr)")
        #expect(output.stdout.isEmpty)
    }

    @Test func aRevokedKeyCannotBeRotated() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let created = try NexusProcess.run(["keys", "create", "--role", "viewer", "--json"], home: home.url)
        let id = try #require(try JSONValue.parse(created.stdout)["id"]?.stringValue)
        #expect(try NexusProcess.run(["keys", "revoke", id], home: home.url).status == 0)
        let again = try NexusProcess.run(["keys", "revoke", id], home: home.url)
        #expect(again.status == 0 && again.stdout.contains("already revoked"))
        let rotated = try NexusProcess.run(["keys", "rotate", id], home: home.url)
        #expect(rotated.status != 0)
        #expect(rotated.stderr.contains("is revoked and cannot be rotated"), "\(rotated.stderr)")
        #expect(rotated.stdout.isEmpty)
    }
}
