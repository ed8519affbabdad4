import Foundation
import NexusCore
import NexusStore
import NexusTools

/// The throwaway home a module's tests run against: a temporary folder with its own database
/// (and ledger key, for tools that sign), the tools rebuilt over it, and the test workspaces
/// beneath it. Whatever a test's tool calls change — the system prompt, memories, files — is
/// changed there and removed with it.
struct ValidationScratch {
    let url: URL
    let tools: ToolRegistry

    /// - Parameters:
    ///   - tools: The live tools; with no `factory`, each is replaced by one that refuses.
    ///   - factory: Builds the same tools over another database and home.
    /// - Throws: When the folder or its database cannot be made, or the factory fails.
    init(tools live: ToolRegistry, factory: ModuleRuntime.ToolFactory?) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-validation-\(UUID().uuidString)", isDirectory: true)
            .resolvingSymlinksInPath()
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        do {
            if let factory {
                let database = try NexusDatabase.open(at: url.appendingPathComponent("nexus.db"))
                tools = try factory(database, url)
            } else {
                tools = try ToolRegistry(live.definitions.compactMap { live.tool(named: $0.name) }.map(UnavailableTool.init))
            }
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }

    /// The value a test sees for credential `name` when the test gives none: never the real one.
    static func standIn(for name: String) -> String {
        "stand-in-for-\(name)"
    }
}

/// A tool that validation cannot run away from the live home: every call is refused with the
/// way out (canned results in the test). It keeps the live tool's traits, so replaying a recorded
/// trace still passes over the looks (reads, listings) a module does not make.
struct UnavailableTool: Tool {
    let live: any Tool

    var definition: ToolDefinition { live.definition }
    var onlyObserves: Bool { live.onlyObserves }
    var keywords: [String] { live.keywords }
    var answersQuestions: Bool { live.answersQuestions }
    func isUsable(under policy: CapabilityPolicy) -> Bool { live.isUsable(under: policy) }

    func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        .refused("\(definition.name) cannot run during validation here (no throwaway home for it); give the test canned results: \"tools\": {\"\(definition.name)\": {\"status\": \"ok\", \"content\": \"...\"}}")
    }
}
