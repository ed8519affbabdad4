import ArgumentParser
import Foundation
import NexusCore
import NexusRuntime
import NexusStore

/// `nexus audit`: who did what, newest first; `nexus verify` checks the log's chain and head.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The audit log: key, credential and run changes, credential uses and policy refusals, newest first.",
        discussion: "Each event is hash-chained to the one before and the newest is signed into $NEXUS_HOME/audit.head; `nexus verify` checks both. See docs/audit.md.")

    @Option(help: "Only this type (key.created), or a family ending in '.' (run.).") var type: String?
    @Option(help: "Only this actor (key:key_…, cli:USER) or key id.") var actor: String?
    @Option(help: "Only this resource (run:run_…), or a kind ending in ':' (credential:).") var resource: String?
    @Option(help: "Only events at or after this time (ISO 8601, like 2026-12-01T00:00:00Z).") var since: String?
    @Option(help: "Only events at or before this time (ISO 8601).") var until: String?
    @Option(help: "The most events shown (1 to 1000).") var limit = 100
    @Option(help: "The org whose events to show (default: default).") var org: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        guard (1...1000).contains(limit) else { throw NexusError(.invalidArgument, "--limit takes 1 to 1000, not \(limit)") }
        let query = AuditQuery(type: type, actor: actor, resource: resource, since: try AuditQuery.time(since, "--since"),
                               until: try AuditQuery.time(until, "--until"), limit: limit)
        let factory = AgentFactory(configuration: NexusConfiguration())
        let events = try await factory.audit(database: try factory.database().scoped(to: try org.map(OrgName.init) ?? .default)).events(query)
        if json {
            Output.write(JSONValue.array(events.map(\.json)).jsonText + "\n")
            return
        }
        if events.isEmpty {
            Output.write("no audit events\(type ?? actor ?? resource ?? since ?? until == nil ? "" : " match")\n")
            return
        }
        Output.write(Table.render(header: ["#", "TIME", "TYPE", "ACTOR", "RESOURCE", "DETAILS"], rows: events.map { event in
            [String(event.seq), event.time.ISO8601Format(), event.type, event.actor.name, event.resource,
             event.detailsText == "{}" ? "" : String(event.detailsText.prefix(80))]
        }) + "\n")
    }
}
