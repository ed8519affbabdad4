public import Foundation
public import NexusCore
import NexusTools

/// The capabilities a module asks for, in the capability policy's terms, plus the tools it calls.
/// A call runs under the caller's policy narrowed to these: a module never gets more than its
/// caller has, nor more than it declared.
///
/// ```json
/// {"tools": ["filesystem_read", "web_fetch"], "read": ["."], "network": ["127.0.0.1"], "env": ["WEATHER_TOKEN"]}
/// ```
public struct ModuleCapabilities: Sendable, Hashable {
    public static let keys = ["tools", "read", "write", "commands", "network", "env", "databases"]

    /// Tools (built-in or other installed modules) the module may call with `nexus.call`.
    public var tools: [String]
    public var read: [String]
    public var write: [String]
    public var commands: [String]
    public var network: [String]
    /// Environment variables: passed to tool processes, and readable as credentials with
    /// `nexus.credential(NAME)` when the caller's policy passes them too.
    public var env: [String]
    public var databases: [String]

    public init(tools: [String] = [], read: [String] = [], write: [String] = [], commands: [String] = [], network: [String] = [],
                env: [String] = [], databases: [String] = []) {
        self.tools = tools
        self.read = read
        self.write = write
        self.commands = commands
        self.network = network
        self.env = env
        self.databases = databases
    }

    init(json: JSONValue?, module: String) throws {
        self.init()
        guard let json else { return }
        guard let table = json.objectValue else {
            throw NexusError(.invalidModule, "module \(module): \"capabilities\" must be an object like {\"tools\": [\"filesystem_read\"], \"read\": [\".\"]}")
        }
        for (key, value) in table {
            guard let items = value.arrayValue, let strings = Optional(items.compactMap(\.stringValue)), strings.count == items.count,
                  strings.allSatisfy({ !$0.isEmpty }) else {
                throw NexusError(.invalidModule, "module \(module): capabilities.\(key) must be a list of non-empty strings")
            }
            switch key {
            case "tools": tools = strings
            case "read": read = strings
            case "write": write = strings
            case "commands": commands = strings
            case "network":
                for entry in strings {
                    do { _ = try NetworkDestination(entry: entry) } catch let error as NexusError {
                        throw NexusError(.invalidModule, "module \(module): capabilities.network: \(error.message)")
                    }
                }
                network = strings
            case "env": env = strings
            case "databases": databases = strings
            default:
                throw NexusError(.invalidModule, "module \(module): unknown capability '\(key)'; use \(Self.keys.joined(separator: ", "))")
            }
        }
    }

    /// Environment variables every narrowed policy keeps when the caller passes them, so that
    /// commands a module may run still find their programs.
    static let processBasics = ["PATH", "LANG", "TERM", "HOME"]

    /// The caller's policy narrowed to these capabilities.
    /// - Parameters:
    ///   - policy: The caller's policy.
    ///   - workspace: The folder relative paths resolve against.
    public func narrowing(_ policy: CapabilityPolicy, workspace: URL) -> CapabilityPolicy {
        var narrowed = policy
        narrowed.readablePaths = Self.intersect(read, policy.readablePaths, workspace: workspace)
        narrowed.writablePaths = Self.intersect(write, policy.writablePaths, workspace: workspace)
        narrowed.databases = Self.intersect(databases, policy.databases, workspace: workspace)
        narrowed.commands = policy.commands.map { allowed in commands.filter(allowed.contains) } ?? commands
        narrowed.networkHosts = network.compactMap { Self.intersect(host: $0, policy.networkHosts) }
        narrowed.environment = policy.environment.filter { env.contains($0) || Self.processBasics.contains($0) }
        // Writes to Nexus itself (memory_store, self_modify) are the caller's to allow, not implied by
        // the module's narrower paths; the module must still list the tool to call it.
        // An MCP server stays allowed only when the module lists one of its tools (SERVER.TOOL).
        narrowed.mcpServers = policy.mcpServers?.filter { server in tools.contains { MCPServerName.server(ofTool: $0) == server } }
        narrowed.memoryWrites = policy.allowsMemoryWrites
        narrowed.selfModification = policy.allowsSelfModification
        // A module never builds modules, whatever its caller may.
        narrowed.buildModules = false
        return narrowed
    }

    /// The parts of `declared` paths that some `allowed` path also covers.
    static func intersect(_ declared: [String], _ allowed: [String], workspace: URL) -> [String] {
        var result: [String] = []
        for wanted in declared.map({ absolute($0, workspace) }) {
            for permitted in allowed.map({ absolute($0, workspace) }) {
                let narrower: String? = contains(permitted, wanted) ? wanted : contains(wanted, permitted) ? permitted : nil
                if let narrower, !result.contains(narrower) { result.append(narrower) }
            }
        }
        return result
    }

    private static func absolute(_ path: String, _ workspace: URL) -> String {
        var expanded = path
        if expanded == "~" || expanded.hasPrefix("~/") {
            expanded = FileManager.default.homeDirectoryForCurrentUser.path + expanded.dropFirst()
        }
        let url = expanded.hasPrefix("/") ? URL(fileURLWithPath: expanded) : workspace.appendingPathComponent(expanded)
        return url.standardizedFileURL.path
    }

    private static func contains(_ outer: String, _ inner: String) -> Bool {
        outer == inner || outer == "/" || inner.hasPrefix(outer.hasSuffix("/") ? outer : outer + "/")
    }

    /// The narrower of a declared network entry and the allowed entries it matches, if any.
    static func intersect(host declared: String, _ allowed: [String]) -> String? {
        guard let wanted = try? NetworkDestination(entry: declared) else { return nil }
        for entry in allowed {
            guard let permitted = try? NetworkDestination(entry: entry), permitted.host.lowercased() == wanted.host.lowercased() else { continue }
            switch (wanted.port, permitted.port) {
            case (nil, _): return permitted.description
            case (let port?, nil): return "\(permitted.description):\(port)"
            case (let port?, let other?) where port == other: return wanted.description
            default: continue
            }
        }
        return nil
    }
}
