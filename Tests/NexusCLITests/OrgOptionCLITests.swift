import Foundation
import NexusCore
import NexusTesting
import Testing

@Suite("--org on the commands that keep an org's own records", .serialized)
struct OrgOptionCLITests {
    @Test("credentials, memories, runs and traces act in the org named, apart from the default org's")
    func eachOrgSeesItsOwn() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        func nexus(_ arguments: [String], stdin: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
            let output = try NexusProcess.run(arguments, home: home.url, stdin: stdin)
            return (output.status, output.stdout, output.stderr)
        }
        #expect(try nexus(["orgs", "create", "acme"]).status == 0)

        let stored = try nexus(["credentials", "set", "ACME_TOKEN", "--org", "acme"], stdin: "s3cret-acme")
        #expect(stored.status == 0, "\(stored.stderr)")
        #expect(try nexus(["credentials", "list", "--org", "acme"]).stdout.contains("ACME_TOKEN"))
        #expect(!(try nexus(["credentials", "list"]).stdout.contains("ACME_TOKEN")))
        // Deleting it by name in the default org finds nothing; in its own org it goes.
        #expect(try nexus(["credentials", "delete", "ACME_TOKEN"]).status != 0)
        #expect(try nexus(["credentials", "delete", "ACME_TOKEN", "--org", "acme"]).status == 0)

        #expect(try nexus(["memory", "add", "the acme launch is on friday", "--org", "acme"]).status == 0)
        #expect(try nexus(["memory", "list", "--org", "acme"]).stdout.contains("acme launch"))
        #expect(!(try nexus(["memory", "list"]).stdout.contains("acme launch")))
        #expect(!(try nexus(["memory", "search", "launch friday"]).stdout.contains("acme launch")))

        for listing in [["runs", "list", "--org", "acme"], ["traces", "list", "--org", "acme"], ["chat", "--list", "--org", "acme"]] {
            #expect(try nexus(listing).status == 0, "\(listing)")
        }
        // The audit trail of the org names the credential it changed, never its value.
        let audit = try nexus(["audit", "--org", "acme", "--json"])
        #expect(audit.stdout.contains("credential:ACME_TOKEN") && !audit.stdout.contains("s3cret-acme"), "\(audit.stdout)")
    }

    @Test("an org that does not exist, or a malformed name, gets one clear line and changes nothing", arguments: [
        (["credentials", "set", "X", "--org", "nope"], "there is no org 'nope'"),
        (["memory", "add", "a fact", "--org", "nope"], "there is no org 'nope'"),
        (["runs", "list", "--org", "nope"], "there is no org 'nope'"),
        (["traces", "list", "--org", "Bad_Name"], "is not an org name"),
    ])
    func unknownOrg(arguments: [String], message: String) throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let output = try NexusProcess.run(arguments, home: home.url, stdin: "value")
        #expect(output.status != 0)
        #expect(output.stderr.contains(message), "\(output.stderr)")
        #expect(output.stderr.split(separator: "\n").count == 1, "\(output.stderr)")
        #expect(!(try NexusProcess.run(["orgs", "list"], home: home.url).stdout.contains("nope")))
        #expect(!(try NexusProcess.run(["memory", "list"], home: home.url).stdout.contains("a fact")))
    }
}
