public import Foundation
public import NexusCore

/// How `nexus serve` runs: read once at start (NexusRuntime fills it from flags and environment).
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// `$NEXUS_HOME`: the model store and agent workspaces live there.
    public var home: URL
    /// The model an agent run uses when the request names none.
    public var defaultModel: String
    /// Requests decoded together per loaded model.
    public var slots: Int
    /// Generation requests that may wait for a slot; beyond this the server answers 503.
    public var queueLimit: Int
    /// Largest request body accepted (413 beyond).
    public var maxBodyBytes: Int
    /// Models held in memory at once; the least recently used idle one is unloaded first.
    public var maxLoadedModels: Int
    /// Agent runs going at once; beyond this `POST /v1/agent/runs` answers 503 with Retry-After.
    public var maxAgentRuns: Int
    /// The most any agent run may use, whatever its request or profile asks: the server's ceilings.
    public var agentCeilings: AgentCeilings
    /// Largest blob `/api/blobs` accepts (413 beyond).
    public var maxBlobBytes: Int64
    /// The only folder `/api/create` reads GGUF files from by path (default `$NEXUS_HOME/models/import`).
    public var modelImportDirectory: URL
    /// How long a connection may take to send a complete request head (from when it opens, or its
    /// previous response ended) before it is closed: half-open requests cannot pile up.
    public var requestHeadTimeout: Duration
    /// How long a connection may sit with nothing read while a request is incomplete or between
    /// requests, before it is closed. A response being written is never cut off by it.
    public var idleTimeout: Duration
    /// Connections served at once; further ones wait in the listen backlog until one closes.
    public var maxConnections: Int
    /// Whether usage is metered and limits are enforced. Off only to measure what they cost
    /// (bench/platform.sh); a served install keeps it on.
    public var metering = true

    public init(host: String = "127.0.0.1", port: Int = 11434, home: URL, defaultModel: String = "qwen2.5-coder:0.5b",
                slots: Int = 1, queueLimit: Int = 32, maxBodyBytes: Int = 16 << 20, maxLoadedModels: Int = 2,
                maxAgentRuns: Int = 16, agentCeilings: AgentCeilings = AgentCeilings(), maxBlobBytes: Int64 = 64 << 30,
                modelImportDirectory: URL? = nil, requestHeadTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(60),
                maxConnections: Int = 512) {
        self.host = host
        self.port = port
        self.home = home
        self.defaultModel = defaultModel
        self.slots = slots
        self.queueLimit = queueLimit
        self.maxBodyBytes = maxBodyBytes
        self.maxLoadedModels = maxLoadedModels
        self.maxAgentRuns = maxAgentRuns
        self.agentCeilings = agentCeilings
        self.maxBlobBytes = maxBlobBytes
        self.modelImportDirectory = modelImportDirectory
            ?? home.appendingPathComponent("models", isDirectory: true).appendingPathComponent("import", isDirectory: true)
        self.requestHeadTimeout = requestHeadTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
    }

    /// `$NEXUS_HOME/policies`: the named policy profiles a run request may pick (`NAME.toml`).
    public var policyProfilesFolder: URL { home.appendingPathComponent("policies", isDirectory: true) }

    /// Whether only this machine can reach the server (keys are then optional for reading and generating).
    public var isLoopback: Bool {
        host == "127.0.0.1" || host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }
}

/// The server's maximum for every limit an agent run has. A request may ask for less, never for
/// more (more is refused with 403, never clamped in silence), and a policy profile that allows
/// more is refused until an admin lowers it.
public struct AgentCeilings: Sendable, Hashable {
    /// Most model turns of one run.
    public var maxSteps: Int
    /// Most completion tokens of one run.
    public var maxTokens: Int
    /// Most wall-clock seconds of one run.
    public var maxSeconds: Double
    /// Most of each resource one tool call may use (`[limits]` of a policy).
    public var toolLimits: ResourceLimits

    public init(maxSteps: Int = 200, maxTokens: Int = 1_000_000, maxSeconds: Double = 3_600,
                toolLimits: ResourceLimits = ResourceLimits(cpuSeconds: 300, wallSeconds: 600, memoryBytes: 4 << 30,
                                                            processes: 256, outputBytes: 1 << 20)) {
        self.maxSteps = maxSteps
        self.maxTokens = maxTokens
        self.maxSeconds = maxSeconds
        self.toolLimits = toolLimits
    }
}
