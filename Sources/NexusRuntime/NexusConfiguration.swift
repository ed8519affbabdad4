public import Foundation

/// Every setting Nexus reads from its environment, read here and nowhere else, with defaults.
public struct NexusConfiguration: Sendable {
    /// `NEXUS_HOME`: the database, models and keys (default `~/.nexus`).
    public var home: URL
    /// `NEXUS_MODEL`: the model used when a command names none.
    public var defaultModel: String
    /// `NEXUS_CTX_SIZE`: tokens of context per slot.
    public var contextLength: Int
    /// `NEXUS_THREADS`: CPU threads for inference.
    public var threads: Int
    /// `NEXUS_PARALLEL`: requests decoded together per loaded model.
    public var slots: Int
    /// The whole environment, from which modules read the credentials they declare
    /// (`nexus.credential(NAME)`) when the policy passes them.
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let homeDirectory = FileManager.default.homeDirectoryForCurrentUser
        home = environment["NEXUS_HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? homeDirectory.appendingPathComponent(".nexus", isDirectory: true)
        defaultModel = environment["NEXUS_MODEL"] ?? "qwen2.5-coder:0.5b"
        contextLength = environment["NEXUS_CTX_SIZE"].flatMap(Int.init) ?? 4096
        threads = environment["NEXUS_THREADS"].flatMap(Int.init) ?? ProcessInfo.processInfo.activeProcessorCount
        slots = environment["NEXUS_PARALLEL"].flatMap(Int.init) ?? 1
        self.environment = environment
    }
}
