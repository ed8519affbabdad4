import ArgumentParser
import Foundation
import NexusCore
import NexusRuntime
import NexusStore

/// `nexus credentials`: secrets stored encrypted in `nexus.db`, used by name (an MCP server's
/// `${credential:NAME}`, a module's `nexus.credential(NAME)`) and never printed.
struct CredentialsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credentials",
        abstract: "Secrets stored encrypted, used by name and never shown: for MCP servers and modules.",
        discussion: "Each value is sealed under its own data key, wrapped by $NEXUS_HOME/keys/credentials.key. See docs/credentials.md.",
        subcommands: [SetValue.self, List.self, Delete.self, RotateKey.self])

    /// The store of `org`'s credentials, the default org's for nil (the key-encryption key is
    /// the home's, shared by every org).
    static func store(_ org: OrgOption?) throws -> CredentialStore {
        let factory = AgentFactory(configuration: NexusConfiguration())
        return factory.credentials(database: try org?.database(factory) ?? factory.database())
    }

    /// Records a change in the audit log (by name; never the value).
    static func audit(_ store: CredentialStore, _ type: String, name: String, details: JSONObject = [:]) async throws {
        try await store.audit?.record(type, actor: .commandLine, resource: "credential:\(name)", details: details)
    }

    struct SetValue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Store a secret under NAME, replacing its value; the value is read from standard input (or --from-env).",
            discussion: "printf %s \"$TOKEN\" | nexus credentials set GITHUB_TOKEN — the value never appears in the command line.")
        @Argument(help: "The name, like GITHUB_TOKEN.") var name: String
        @Option(name: .customLong("from-env"), help: "Read the value from this environment variable instead.") var fromEnvironment: String?
        @OptionGroup var org: OrgOption

        func run() async throws {
            let value: String
            if let variable = fromEnvironment {
                guard let found = ProcessInfo.processInfo.environment[variable], !found.isEmpty else {
                    throw NexusError(.invalidArgument, "the environment variable \(variable) is not set; export it or pipe the value in")
                }
                value = found
            } else {
                let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                // One trailing line break is how a shell ends a line, not part of the secret.
                value = input.hasSuffix("\r\n") ? String(input.dropLast(2)) : input.hasSuffix("\n") ? String(input.dropLast()) : input
            }
            let store = try CredentialsCommand.store(org)
            let created = try store.set(name, value: value)
            try await CredentialsCommand.audit(store, created ? "credential.created" : "credential.replaced", name: name)
            Output.write("\(created ? "stored" : "replaced") \(name) (\(value.utf8.count) bytes, encrypted)\n")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The names stored, never their values.")
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var org: OrgOption

        func run() async throws {
            let entries = try CredentialsCommand.store(org).entries()
            if json {
                let rows: [JSONValue] = entries.map { entry in
                    ["name": .string(entry.name), "key_id": .string(entry.keyID),
                     "created_at": .string(entry.createdAt.ISO8601Format()), "updated_at": .string(entry.updatedAt.ISO8601Format())]
                }
                Output.write(JSONValue.array(rows).jsonText + "\n")
                return
            }
            if entries.isEmpty {
                Output.write("no credentials; store one with `printf %s \"$SECRET\" | nexus credentials set NAME`\n")
                return
            }
            Output.write(Table.render(header: ["NAME", "KEY", "UPDATED"],
                                      rows: entries.map { [$0.name, $0.keyID, $0.updatedAt.ISO8601Format()] }) + "\n")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a credential.")
        @Argument(help: "The name.") var name: String
        @OptionGroup var org: OrgOption

        func run() async throws {
            let store = try CredentialsCommand.store(org)
            guard try store.delete(name) else {
                throw NexusError(.notFound, "there is no credential \(name); see `nexus credentials list`")
            }
            try await CredentialsCommand.audit(store, "credential.deleted", name: name)
            Output.write("deleted \(name)\n")
        }
    }

    struct RotateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Replace the key-encryption key: every data key is re-wrapped, no secret is re-encrypted.")

        func run() async throws {
            let store = try CredentialsCommand.store(nil)
            let (count, keyID) = try store.rotateKey()
            try await store.audit?.record("credential.key_rotated", actor: .commandLine, resource: "credential-key:\(keyID)",
                                    details: ["rewrapped": .number(Double(count))])
            Output.write("rotated: \(count) credential\(count == 1 ? "" : "s") now wrapped by key \(keyID)\n")
        }
    }
}
