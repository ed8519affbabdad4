import ArgumentParser
import Foundation
import NexusCore
import NexusRuntime
import NexusStore

struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "API keys for `nexus serve`: roles viewer < operator < admin < owner.",
        discussion: "A key's secret is shown once, when it is created or rotated; Nexus keeps only its SHA-256. Clients send it as `Authorization: Bearer nxk_…`. See docs/keys.md.",
        subcommands: [Create.self, List.self, Revoke.self, Rotate.self])

    static func store() throws -> KeyStore {
        KeyStore(database: try AgentFactory(configuration: NexusConfiguration()).database())
    }

    /// The key store and the audit log its changes go to, over one opening of the database.
    static func openWithAudit() throws -> (keys: KeyStore, audit: AuditLog) {
        let factory = AgentFactory(configuration: NexusConfiguration())
        let database = try factory.database()
        return (KeyStore(database: database), factory.audit(database: database))
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key and print its secret, once.")
        @Option(help: "viewer, operator, admin or owner.") var role: String
        @Option(help: "What the key is for (default: the role).") var name: String?
        @Option(help: "The org it acts in (default: default); make one with `nexus orgs create NAME`.") var org: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let org = try org.map(OrgName.init) ?? .default
            let (keys, audit) = try KeysCommand.openWithAudit()
            let issued = try keys.create(name: name, role: try Role(parsing: role), org: org)
            try await audit.scoped(to: org).record("key.created", actor: .commandLine, resource: "key:\(issued.record.id)",
                                                   details: ["role": .string(issued.record.role.rawValue), "name": .string(issued.record.name),
                                                             "org": .string(org.rawValue)])
            KeysCommand.show(issued, json: json, headline: "created \(issued.record.id) (\(issued.record.role) in org \(org), \"\(issued.record.name)\")")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every key, active and revoked; never their secrets.")
        @Option(help: "Only the keys of this org.") var org: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let keys = try KeysCommand.store().list(org: try org.map(OrgName.init))
            if json {
                Output.write(try KeysCommand.json(keys) + "\n")
                return
            }
            if keys.isEmpty {
                Output.write("no API keys; create one with `nexus keys create --role operator --name NAME`\n")
                return
            }
            Output.write(Table.render(
                header: ["ID", "NAME", "ROLE", "ORG", "CREATED", "LAST USED", "STATUS"],
                rows: keys.map { key in
                    [key.id, key.name, key.role.rawValue, key.org.rawValue, KeysCommand.time(key.createdAt), key.lastUsedAt.map(KeysCommand.time) ?? "never",
                     key.revokedAt.map { "revoked \(KeysCommand.time($0))" } ?? "active"]
                }) + "\n")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key: its secret stops working at once.")
        @Argument(help: "The key id (key_…).") var id: String

        func run() async throws {
            let (keys, audit) = try KeysCommand.openWithAudit()
            if try keys.revoke(id: id) {
                try await audit.record("key.revoked", actor: .commandLine, resource: "key:\(id)")
                Output.write("revoked \(id)\n")
            } else {
                Output.write("\(id) was already revoked\n")
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace a key with a new one of the same name and role; the old one stops working.")
        @Argument(help: "The key id (key_…).") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (keys, audit) = try KeysCommand.openWithAudit()
            let issued = try keys.rotate(id: id)
            try await audit.record("key.rotated", actor: .commandLine, resource: "key:\(id)", details: ["new_key": .string(issued.record.id)])
            KeysCommand.show(issued, json: json, headline: "rotated \(id) to \(issued.record.id) (\(issued.record.role), \"\(issued.record.name)\"); \(id) no longer works")
        }
    }

    /// Prints a new secret alone on standard output (so `$(nexus keys create …)` captures just
    /// it) and what it is, with the warning, on standard error.
    static func show(_ issued: IssuedKey, json: Bool, headline: String) {
        if json {
            let record = issued.record
            let output = IssuedOutput(id: record.id, name: record.name, role: record.role, org: record.org, createdAt: record.createdAt,
                                      rotatedFrom: record.rotatedFrom, secret: issued.secret)
            Output.write(((try? Self.json(output)) ?? "{}") + "\n")
        } else {
            Output.write(issued.secret + "\n")
        }
        FileHandle.standardError.write(Data("""
            \(headline)
            save the secret now: it will not be shown again (Nexus keeps only its SHA-256); send it as `Authorization: Bearer nxk_…`

            """.utf8))
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// What `create --json` and `rotate --json` print: the key and, this once, its secret.
    struct IssuedOutput: Encodable {
        var id: String
        var name: String
        var role: Role
        var org: OrgName
        var createdAt: Date
        var rotatedFrom: String?
        var secret: String
    }

    static func time(_ date: Date) -> String {
        date.ISO8601Format()
    }
}
