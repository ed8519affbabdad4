import ArgumentParser
import Foundation
import NexusCore
import NexusInference
import NexusRuntime

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List, add, pull, show and remove models.",
        subcommands: [List.self, Add.self, Pull.self, Show.self, Remove.self])

    static var store: ModelStore { ModelStore(home: NexusConfiguration().home) }

    /// What `list --json` and `show --json` print for a model.
    struct Description: Codable {
        var name: String
        var path: String
        var size: Int64
        var architecture: String
        var parameters: String
        var parameterCount: UInt64
        var quantization: String
        var contextLength: Int?
        var sha256: String?

        init(_ entry: ModelEntry) throws {
            let file = try GGUFFile(contentsOf: URL(fileURLWithPath: entry.path))
            name = entry.name
            path = entry.path
            size = entry.size
            architecture = file.architecture
            parameters = file.parameterSize
            parameterCount = file.parameterCount
            quantization = file.quantization
            contextLength = file.contextLength
            sha256 = entry.sha256
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the models in the store.")
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let descriptions = try ModelsCommand.store.list().map(Description.init)
            if json {
                print(try JSONOutput.text(descriptions))
                return
            }
            print(Table.render(
                header: ["NAME", "PARAMS", "QUANT", "CONTEXT", "SIZE", "PATH"],
                rows: descriptions.map { [$0.name, $0.parameters, $0.quantization, $0.contextLength.map(String.init) ?? "-", ByteCount.text($0.size), $0.path] }))
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a GGUF file to the store.")
        @Argument(help: "Path to a .gguf file.") var path: String
        @Option(help: "The name to use (default: the file name).") var name: String?

        func run() async throws {
            let entry = try ModelsCommand.store.add(path: path, name: name)
            print("added \(entry.name) (\(entry.path))")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a model's details.")
        @Argument(help: "The model name.") var name: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let description = try Description(ModelsCommand.store.entry(named: name))
            if json {
                print(try JSONOutput.text(description))
                return
            }
            print("""
                name           \(description.name)
                architecture   \(description.architecture)
                parameters     \(description.parameters) (\(description.parameterCount))
                quantization   \(description.quantization)
                context length \(description.contextLength.map(String.init) ?? "unknown")
                size           \(ByteCount.text(description.size))
                path           \(description.path)
                """ + (description.sha256.map { "\nsha256         \($0)" } ?? ""))
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a model from the store.")
        @Argument(help: "The model name.") var name: String

        func run() async throws {
            try ModelsCommand.store.remove(name: name)
            print("removed \(name)")
        }
    }
}
