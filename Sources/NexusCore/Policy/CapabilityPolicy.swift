/// What a run may touch, set by the user (pledge/unveil in spirit): paths to read and write,
/// commands to run, hosts to reach, environment to pass, and resource limits. Nexus adds no
/// refusal layer of its own; everything inside the policy is allowed, everything outside refused.
public struct CapabilityPolicy: Sendable, Hashable, Codable {
    /// Directories (and files) tools may read. Relative paths are relative to the workspace.
    public var readablePaths: [String]
    /// Directories (and files) tools may create, change and delete.
    public var writablePaths: [String]
    /// Commands `execute_command` may start, by name (`ls`) or path; `nil` allows any command.
    public var commands: [String]?
    /// Network destinations as `host` or `host:port`; empty means no network at all.
    public var networkHosts: [String]
    /// Environment variables passed from Nexus to tool processes (all others are dropped).
    public var environment: [String]
    /// SQLite database files `database_query` may open.
    public var databases: [String]
    public var limits: ResourceLimits
    /// Whether `memory_store` may keep facts for later runs (they reach every later run's prompt).
    /// Nil follows the paths: allowed when the policy may write somewhere, refused for a read-only
    /// policy. See ``allowsMemoryWrites``.
    public var memoryWrites: Bool?
    /// Whether `self_modify` may change the agent's own system prompt, soul and settings (which
    /// every later run uses). Nil follows the paths as ``memoryWrites`` does. See ``allowsSelfModification``.
    public var selfModification: Bool?
    /// The MCP servers (names from `$NEXUS_HOME/mcp.json`) whose tools the run may call; nil or
    /// empty allows none. Each server is a capability of its own, as a host is for `web_fetch`.
    public var mcpServers: [String]?
    /// Whether `build_module` may have the toolsmith write a new module (a tool every later run
    /// may get). Nil is no: it must be granted (``allowsModuleBuilding``).
    public var buildModules: Bool?

    public init(readablePaths: [String] = ["."], writablePaths: [String] = ["."], commands: [String]? = CapabilityPolicy.defaultCommands,
                networkHosts: [String] = [], environment: [String] = ["PATH", "LANG", "HOME", "TERM"], databases: [String] = [],
                limits: ResourceLimits = ResourceLimits(), memoryWrites: Bool? = nil, selfModification: Bool? = nil,
                mcpServers: [String]? = nil) {
        self.readablePaths = readablePaths
        self.writablePaths = writablePaths
        self.commands = commands
        self.networkHosts = networkHosts
        self.environment = environment
        self.databases = databases
        self.limits = limits
        self.memoryWrites = memoryWrites
        self.selfModification = selfModification
        self.mcpServers = mcpServers
    }

    /// Whether the run may call the tools of the MCP server called `name`.
    public func allowsMCPServer(_ name: String) -> Bool { mcpServers?.contains(name) ?? false }

    /// Whether `memory_store` may store: as set, else only when some path is writable.
    public var allowsMemoryWrites: Bool { memoryWrites ?? !writablePaths.isEmpty }

    /// Whether `build_module` may build modules: only when the policy says so.
    public var allowsModuleBuilding: Bool { buildModules ?? false }

    /// Whether `self_modify` may change anything: as set, else only when some path is writable.
    public var allowsSelfModification: Bool { selfModification ?? !writablePaths.isEmpty }

    /// The default: read and write inside the workspace only, no network, a small set of commands.
    public static let `default` = CapabilityPolicy()

    public static let defaultCommands = [
        "ls", "cat", "head", "tail", "wc", "grep", "find", "sort", "uniq", "cut", "tr", "sed", "awk",
        "echo", "printf", "pwd", "date", "mkdir", "cp", "mv", "touch", "diff", "python3", "sh", "true", "false",
    ]
}

/// Resource limits for every process a tool starts and every tool call.
public struct ResourceLimits: Sendable, Hashable, Codable {
    public var cpuSeconds: Int
    public var wallSeconds: Double
    public var memoryBytes: Int
    public var processes: Int
    /// Most bytes of output kept from one tool call; the rest is dropped and marked truncated.
    public var outputBytes: Int

    public init(cpuSeconds: Int = 30, wallSeconds: Double = 60, memoryBytes: Int = 512 << 20, processes: Int = 64, outputBytes: Int = 64 << 10) {
        self.cpuSeconds = cpuSeconds
        self.wallSeconds = wallSeconds
        self.memoryBytes = memoryBytes
        self.processes = processes
        self.outputBytes = outputBytes
    }
}
