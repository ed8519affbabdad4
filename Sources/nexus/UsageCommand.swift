import ArgumentParser
import Foundation
import NexusCore
import NexusRuntime
import NexusStore

/// `nexus usage`: what the server metered, rolled up by period, key and model.
struct UsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "Metered usage of the server: requests, tokens, tool calls and run units by period, key and model.",
        discussion: "Read from the roll-ups the server keeps (never the raw events). See docs/limits.md.")

    @Option(help: "Roll-up period: minute, hour or day.") var period = "day"
    @Option(help: "Only periods at or after this time (ISO 8601, like 2026-12-01T00:00:00Z).") var since: String?
    @Option(help: "Only periods starting at or before this time (ISO 8601).") var until: String?
    @Option(name: .customLong("key"), help: "Only this key id.") var keyID: String?
    @Option(help: "The org whose usage to show (default: default).") var org: String?
    @Option(help: "Only this model.") var model: String?
    @Flag(help: "Add keys up instead of showing each.") var allKeys = false
    @Flag(help: "Add models up instead of showing each.") var allModels = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        guard let granularity = UsageStore.Granularity(rawValue: period) else {
            throw NexusError(.invalidArgument, "--period takes minute, hour or day, not '\(period)'")
        }
        let query = UsageStore.Query(granularity: granularity, since: try AuditQuery.time(since, "--since"), until: try AuditQuery.time(until, "--until"),
                                     keyID: keyID, model: model, byKey: !allKeys, byModel: !allModels)
        let database = try AgentFactory(configuration: NexusConfiguration()).database().scoped(to: try org.map(OrgName.init) ?? .default)
        let rows = try await UsageStore(database: database).totals(query)
        if json {
            Output.write(JSONValue.array(rows.map(\.json)).jsonText + "\n")
            return
        }
        if rows.isEmpty {
            Output.write("no usage recorded\(since ?? until ?? keyID ?? model == nil ? "" : " matches")\n")
            return
        }
        Output.write(Table.render(header: ["START", "KEY", "MODEL", "REQUESTS", "PROMPT", "COMPLETION", "TOOL CALLS", "RUN UNITS"], rows: rows.map { row in
            [row.start.ISO8601Format(), row.keyID.map { $0.isEmpty ? "(no key)" : $0 } ?? "*", row.model ?? "*", String(row.requests),
             String(row.promptTokens), String(row.completionTokens), String(row.toolCalls), String(row.runUnits)]
        }) + "\n")
    }
}

/// `nexus limits`: rate limits, requests at once and quotas, by key or org.
struct LimitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limits",
        abstract: "Rate limits, requests at once and token or run-unit quotas, per key or org.",
        discussion: """
            Names: \(UsageLimitName.allCases.map(\.rawValue).joined(separator: ", ")).
            A running server applies a change within two seconds. See docs/limits.md.
            """,
        subcommands: [List.self, SetLimit.self, Remove.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the limits.")
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let limits = try await LimitsCommand.store().everyOrgsLimits()
            if json {
                Output.write(JSONValue.array(limits.map(\.json)).jsonText + "\n")
                return
            }
            if limits.isEmpty {
                Output.write("no limits: every key may use the server as much as its queue allows\n")
                return
            }
            Output.write(Table.render(header: ["SUBJECT", "LIMIT", "VALUE", "SOFT", "UPDATED"], rows: limits.map { limit in
                [limit.subject.description, limit.name.rawValue, String(limit.value), limit.soft.map(String.init) ?? "", limit.updatedAt.ISO8601Format()]
            }) + "\n")
        }
    }

    struct SetLimit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Set a limit (replacing the one of the same subject and name).")
        @Argument(help: "key:KEY_ID or org:NAME (org:default for everything on a single-user home).") var subject: String
        @Argument(help: "The limit's name, like requests_per_minute or tokens_per_day.") var name: String
        @Argument(help: "The hard value: a whole number (0 refuses everything).") var value: Int
        @Option(help: "For a quota, a soft value that only warns (an audit event and a metric).") var soft: Int?

        func run() async throws {
            let limit = UsageLimit(subject: try LimitSubject(validating: subject), name: try UsageLimitName(validating: name), value: value, soft: soft)
            let (home, audit) = try LimitsCommand.openWithAudit()
            let store = try await home.owning(limit.subject)
            try await store.set(limit)
            try await audit.scoped(to: OrgName(unchecked: store.org)).record("limit.set", actor: .commandLine, resource: "limit:\(limit.subject.description)/\(limit.name.rawValue)",
                                   details: limit.json.objectValue ?? [:])
            Output.write("\(limit.subject.description) \(limit.name.rawValue) = \(value)\(soft.map { " (soft \($0))" } ?? "")\n")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a limit.")
        @Argument(help: "key:KEY_ID or org:NAME.") var subject: String
        @Argument(help: "The limit's name.") var name: String

        func run() async throws {
            let (parsedSubject, parsedName) = (try LimitSubject(validating: subject), try UsageLimitName(validating: name))
            let (home, audit) = try LimitsCommand.openWithAudit()
            let store = try await home.owning(parsedSubject)
            guard try await store.remove(parsedSubject, parsedName) else {
                throw NexusError(.notFound, "\(subject) has no limit \(name); `nexus limits` lists them")
            }
            try await audit.scoped(to: OrgName(unchecked: store.org)).record("limit.removed", actor: .commandLine, resource: "limit:\(parsedSubject.description)/\(parsedName.rawValue)")
            Output.write("removed \(parsedSubject.description) \(parsedName.rawValue)\n")
        }
    }

    static func store() throws -> UsageStore {
        UsageStore(database: try AgentFactory(configuration: NexusConfiguration()).database())
    }

    static func openWithAudit() throws -> (UsageStore, AuditLog) {
        let factory = AgentFactory(configuration: NexusConfiguration())
        let database = try factory.database()
        return (UsageStore(database: database), factory.audit(database: database))
    }
}
