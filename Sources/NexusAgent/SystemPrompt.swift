import Foundation
import NexusCore
import NexusModules
import NexusStore

/// The agent's system prompt: the (self-modifiable) base text, the agent's soul, and memories
/// relevant to the task.
enum SystemPrompt {
    static let base = """
        You are Nexus, an agent that completes tasks on the user's computer by calling tools. \
        Work step by step: call one tool, read its result, then decide the next step. \
        Use only facts you observed in tool results; never invent file names, contents or numbers. \
        To calculate (sums, totals, averages), run Python code with python_execute and print the result; \
        to transform a file's text (uppercase, sorting, filtering), have the Python code read the file and write the new one. \
        Paths are relative to the workspace. When the task is done, reply with a short final answer \
        that states the result.
        """

    /// The most characters of the soul put into the prompt: it shapes how the agent speaks, and
    /// must not crowd out the task in a small model's context.
    static let maxSoulCharacters = 1000

    /// The base prompt (or its newest self-modified version that the ledger signs), the signed
    /// soul, and recalled memories.
    /// - Parameter home: `$NEXUS_HOME`, whose key file the ledger must be signed with; nil in tests.
    static func compose(database: NexusDatabase, home: URL?, task: String, recalled limit: Int) throws -> String {
        let signed = try SignedLedger(database: database, home: home).currentSettings(keys: ["system_prompt", "soul"])
        var prompt = signed["system_prompt"]?.value ?? base
        if let soul = signed["soul"]?.value.trimmingCharacters(in: .whitespacesAndNewlines), !soul.isEmpty {
            prompt += "\n\nYour character: " + (soul.count > maxSoulCharacters ? String(soul.prefix(maxSoulCharacters)) + "…" : soul)
        }
        if limit > 0 {
            let memories = try MemoryStore(database: database).recall(for: task, limit: limit, maxCharacters: 1200)
            if !memories.isEmpty {
                prompt += "\n\nThings you remember that may help:\n" + memories.map { "- " + $0.content }.joined(separator: "\n")
            }
        }
        return prompt
    }
}
