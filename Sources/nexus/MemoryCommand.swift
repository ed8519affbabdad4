import ArgumentParser
import Foundation
import NexusCore
import NexusRuntime
import NexusStore

struct MemoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory", abstract: "What the agent remembers.", subcommands: [Add.self, Search.self, List.self, Forget.self])

    static func store(_ org: OrgOption) throws -> MemoryStore {
        MemoryStore(database: try org.database())
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remember a fact.")
        @Argument(help: "The fact.") var content: String
        @Option(help: "A tag (repeatable).") var tag: [String] = []
        @OptionGroup var org: OrgOption

        func run() async throws {
            guard !content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw NexusError(.invalidArgument, "the memory is empty; say what to remember")
            }
            let memory = try MemoryCommand.store(org).add(content, source: "user", tags: tag)
            Output.write("remembered #\(memory.id)\n")
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Find memories relevant to a query.")
        @Argument(help: "The query.") var query: String
        @Option(help: "How many.") var limit = 5
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var org: OrgOption

        func run() async throws {
            let found = try MemoryCommand.store(org).search(query, limit: limit)
            if json {
                Output.write(try JSONOutput.text(found.map(\.memory)) + "\n")
                return
            }
            for (memory, score) in found {
                Output.write("#\(memory.id) (\(String(format: "%.2f", score))) \(memory.content)\n")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The most recent memories.")
        @Option(help: "How many.") var limit = 50
        @Flag(help: "Print JSON.") var json = false
        @OptionGroup var org: OrgOption

        func run() async throws {
            let memories = try MemoryCommand.store(org).list(limit: limit)
            if json {
                Output.write(try JSONOutput.text(memories) + "\n")
                return
            }
            for memory in memories {
                Output.write("#\(memory.id) [\(memory.source)] \(memory.content)\n")
            }
        }
    }

    struct Forget: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Forget a memory by id.")
        @Argument(help: "The memory id.") var id: Int64
        @OptionGroup var org: OrgOption

        func run() async throws {
            guard try MemoryCommand.store(org).forget(id: id) else {
                throw NexusError(.invalidArgument, "no memory #\(id); list them with `nexus memory list`")
            }
            Output.write("forgot #\(id)\n")
        }
    }
}
