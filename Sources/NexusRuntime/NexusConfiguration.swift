public import Foundation
public import NexusAgent

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
    /// `NEXUS_PROMPT_CACHE_MB`: host memory per loaded model for slot states kept for prompts that
    /// come back (default 1024; 0 turns it off).
    public var promptCacheMegabytes: Int
    /// `NEXUS_HOST`: where `nexus serve` listens, `HOST` or `HOST:PORT` (default 127.0.0.1:11434).
    public var serverHost: String
    public var serverPort: Int
    /// `NEXUS_QUEUE_LIMIT`: generation requests that may wait for a slot before the server answers 503.
    public var queueLimit: Int
    /// `NEXUS_MAX_LOADED_MODELS`: models the server holds in memory at once.
    public var maxLoadedModels: Int
    /// `NEXUS_MAX_AGENT_RUNS`: agent runs `nexus serve` carries on at once (default 16).
    public var maxAgentRuns: Int
    /// HOPE: `NEXUS_HOPE_FOLLOWER` and `NEXUS_HOPE_MIXED` (confidence thresholds, default 0.92
    /// and 0.75); `NEXUS_HOPE=off` makes every run a LEARNER run.
    public var hope: HopeThresholds
    /// `NEXUS_CRYSTALLIZE_INTERVAL`: seconds between `nexus serve`'s crystallization passes (0: never).
    public var crystallizeInterval: Double
    /// The whole environment, from which modules read the credentials they declare
    /// (`nexus.credential(NAME)`) when the policy passes them.
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let homeDirectory = FileManager.default.homeDirectoryForCurrentUser
        // An empty NEXUS_HOME (a script's unset variable) means the default, not the current folder.
        home = environment["NEXUS_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0, isDirectory: true) }
            ?? homeDirectory.appendingPathComponent(".nexus", isDirectory: true)
        defaultModel = environment["NEXUS_MODEL"] ?? "qwen2.5-coder:0.5b"
        contextLength = environment["NEXUS_CTX_SIZE"].flatMap(Int.init) ?? 4096
        threads = environment["NEXUS_THREADS"].flatMap(Int.init) ?? ProcessInfo.processInfo.activeProcessorCount
        slots = environment["NEXUS_PARALLEL"].flatMap(Int.init) ?? 1
        promptCacheMegabytes = max(0, environment["NEXUS_PROMPT_CACHE_MB"].flatMap(Int.init) ?? 1024)
        self.environment = environment
        let listen = Self.hostAndPort(environment["NEXUS_HOST"] ?? "127.0.0.1:11434")
        serverHost = listen.host
        serverPort = listen.port
        queueLimit = environment["NEXUS_QUEUE_LIMIT"].flatMap(Int.init) ?? 32
        hope = HopeThresholds(
            follower: environment["NEXUS_HOPE_FOLLOWER"].flatMap(Double.init) ?? 0.92,
            mixed: environment["NEXUS_HOPE_MIXED"].flatMap(Double.init) ?? 0.75,
            enabled: environment["NEXUS_HOPE"] != "off")
        crystallizeInterval = environment["NEXUS_CRYSTALLIZE_INTERVAL"].flatMap(Double.init) ?? 60
        maxLoadedModels = environment["NEXUS_MAX_LOADED_MODELS"].flatMap(Int.init) ?? 2
        maxAgentRuns = max(1, environment["NEXUS_MAX_AGENT_RUNS"].flatMap(Int.init) ?? 16)
    }

    /// `HOST`, `HOST:PORT` or `:PORT`, with 127.0.0.1 and 11434 filling what is missing.
    static func hostAndPort(_ text: String) -> (host: String, port: Int) {
        let trimmed = text.replacingOccurrences(of: "http://", with: "")
        guard let colon = trimmed.lastIndex(of: ":"), !trimmed.hasPrefix("[") || trimmed[..<colon].hasSuffix("]") else {
            return (trimmed.isEmpty ? "127.0.0.1" : trimmed, 11434)
        }
        let host = String(trimmed[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return (host.isEmpty ? "127.0.0.1" : host, Int(trimmed[trimmed.index(after: colon)...]) ?? 11434)
    }
}
