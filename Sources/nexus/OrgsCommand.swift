import ArgumentParser
import Foundation
import NexusCore
import NexusRuntime
import NexusStore

/// `nexus orgs`: the organizations of a served home. Everything a key makes belongs to its org,
/// and no org sees another's. The CLI itself acts as the default org.
struct OrgsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orgs",
        abstract: "Organizations: each has its own keys, runs, traces, memories, credentials, usage, limits and audit trail.",
        discussion: "The default org always exists; the single-user CLI acts in it, and its owner keys administer the server. Give a new org its first key with `nexus keys create --org NAME --role owner`. See docs/orgs.md.",
        subcommands: [Create.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an org (1 to 40 of a-z, 0-9 and '-').")
        @Argument(help: "Its name.") var name: String

        func run() async throws {
            let name = try OrgName(name)
            let factory = AgentFactory(configuration: NexusConfiguration())
            let database = try factory.database()
            _ = try OrgStore(database: database).create(name, createdBy: nil)
            try await factory.audit(database: database).record("org.created", actor: .commandLine, resource: "org:\(name)")
            Output.write("created org \(name); give it a key with `nexus keys create --org \(name) --role owner`\n")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every org, with how many active keys it has.")
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let database = try AgentFactory(configuration: NexusConfiguration()).database()
            let orgs = try OrgStore(database: database).list()
            let keys = try KeyStore(database: database).list().filter(\.isActive)
            let counts = Dictionary(grouping: keys, by: \.org).mapValues(\.count)
            if json {
                let rows = orgs.map { ListedOrg(name: $0.name.rawValue, createdAt: $0.createdAt, createdBy: $0.createdBy, activeKeys: counts[$0.name] ?? 0) }
                Output.write(try KeysCommand.json(rows) + "\n")
                return
            }
            Output.write(Table.render(header: ["ORG", "CREATED", "ACTIVE KEYS"], rows: orgs.map { org in
                [org.name.rawValue, KeysCommand.time(org.createdAt), String(counts[org.name] ?? 0)]
            }) + "\n")
        }
    }

    struct ListedOrg: Encodable {
        var name: String
        var createdAt: Date
        var createdBy: String?
        var activeKeys: Int
    }
}
