import ArgumentParser
import NexusCore
import NexusRuntime
import NexusStore

/// `--org NAME` for the commands that read or write an org's own records (runs, traces,
/// memories, credentials): the org they act in, the default org when it is not given, which is
/// all a single-user home has. An org that does not exist is refused, never made on the way.
struct OrgOption: ParsableArguments {
    @Option(help: "The org to act in (default: default); list them with `nexus orgs list`.") var org: String?

    /// The home's database, seen as the org's.
    /// - Throws: `NexusError(.invalidArgument)` for a malformed name, `.notFound` for an org that does not exist.
    func database(_ factory: AgentFactory = AgentFactory(configuration: NexusConfiguration())) throws -> NexusDatabase {
        let database = try factory.database()
        guard let org else { return database }
        let name = try OrgName(org)
        guard try OrgStore(database: database).list().contains(where: { $0.name == name }) else {
            throw NexusError(.notFound, "there is no org '\(name)'; list the orgs with `nexus orgs list` or make it with `nexus orgs create \(name)`")
        }
        return database.scoped(to: name)
    }
}
