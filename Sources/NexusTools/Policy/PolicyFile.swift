public import Foundation
public import NexusCore

/// Loads a ``CapabilityPolicy`` from a JSON or TOML file (format documented in `docs/policy.md`).
///
/// ```toml
/// read = ["."]
/// write = ["out"]
/// commands = ["ls", "python3"]   # or "any"
/// network = ["127.0.0.1:8080"]
/// env = ["PATH", "LANG"]
/// databases = ["data/app.sqlite"]
/// memory = false                 # memory_store; absent: allowed when something is writable
/// self_modify = false            # self_modify set/rollback; absent: as memory
/// build_modules = false          # build_module (the toolsmith); absent: no
/// mcp = ["github"]               # MCP servers from $NEXUS_HOME/mcp.json whose tools runs may call
///
/// [limits]
/// cpu_seconds = 30
/// wall_seconds = 60
/// memory_mb = 512
/// processes = 64
/// output_kb = 64
/// ```
///
/// A key that is absent keeps the value of ``CapabilityPolicy/default``. A key that is not known is
/// an error naming the key and the file, so a typo never silently widens or narrows a policy.
public enum PolicyFile {
    public enum Format: String, Sendable, CaseIterable {
        case json, toml
    }

    /// The top-level keys, in documentation order.
    public static let keys = ["read", "write", "commands", "network", "env", "databases", "memory", "self_modify", "build_modules", "mcp", "limits"]
    /// The keys of the `limits` table.
    public static let limitKeys = ["cpu_seconds", "wall_seconds", "memory_mb", "processes", "output_kb"]

    /// Reads a policy file, choosing the format by its extension (`.json` or `.toml`).
    /// - Parameter url: The file.
    /// - Throws: `NexusError` with code `ioError` when the file cannot be read, `invalidPolicy` when
    ///   its extension or content is not a policy (the message names the file, the key and the line).
    public static func load(_ url: URL) throws -> CapabilityPolicy {
        guard let format = Format(rawValue: url.pathExtension.lowercased()) else {
            throw NexusError(.invalidPolicy, "the policy file \(url.path) must end in .toml or .json")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
            throw NexusError(.ioError, "cannot read the policy file \(url.path): \(reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw NexusError(.invalidPolicy, "the policy file \(url.path) is not UTF-8 text")
        }
        return try parse(text, format: format, source: url.path)
    }

    /// Reads a policy file given by path (relative to the current directory, `~` expanded).
    /// - Throws: As ``load(_:)``.
    public static func load(path: String) throws -> CapabilityPolicy {
        try load(URL(fileURLWithPath: PathRoot.expandingHome(path)))
    }

    /// Reads policy text.
    /// - Parameters:
    ///   - text: The file's contents.
    ///   - format: JSON or TOML.
    ///   - source: The file's name, for messages.
    /// - Throws: `NexusError(.invalidPolicy)` naming the source, the key and (for TOML) the line.
    public static func parse(_ text: String, format: Format, source: String) throws -> CapabilityPolicy {
        let document: JSONObject
        var lines: [String: Int] = [:]
        switch format {
        case .json:
            let value: JSONValue
            do {
                value = try JSONValue.parse(text)
            } catch let error as NexusError {
                throw NexusError(.invalidPolicy, "the policy file \(source) is not valid JSON: \(error.message)")
            }
            guard let object = value.objectValue else {
                throw NexusError(.invalidPolicy, "the policy file \(source) must hold a JSON object like {\"read\": [\".\"]}")
            }
            document = object
        case .toml:
            do {
                (document, lines) = try TOMLSubset.parse(text)
            } catch {
                throw NexusError(.invalidPolicy, "\(source) line \(error.line): \(error.message) (policy files use a TOML subset, see docs/policy.md)")
            }
        }
        return try PolicyReader(source: source, lines: lines).policy(from: document)
    }

    /// `memory`, `self_modify` and `mcp` lines, for those the policy sets (absent ones follow the paths).
    private static func flags(_ policy: CapabilityPolicy) -> String {
        var lines = ""
        if let servers = policy.mcpServers { lines += "mcp = [" + servers.map { JSONValue.string($0).jsonText }.joined(separator: ", ") + "]\n" }
        if let memory = policy.memoryWrites { lines += "memory = \(memory)\n" }
        if let selfModify = policy.selfModification { lines += "self_modify = \(selfModify)\n" }
        if let build = policy.buildModules { lines += "build_modules = \(build)\n" }
        return lines
    }

    /// The policy as a TOML policy file, every key written out.
    public static func toml(_ policy: CapabilityPolicy) -> String {
        func list(_ items: [String]) -> String {
            "[" + items.map { JSONValue.string($0).jsonText }.joined(separator: ", ") + "]"
        }
        let limits = policy.limits
        let wall = limits.wallSeconds == limits.wallSeconds.rounded() ? String(Int(limits.wallSeconds)) : String(limits.wallSeconds)
        return """
            read = \(list(policy.readablePaths))
            write = \(list(policy.writablePaths))
            commands = \(policy.commands.map(list) ?? "\"any\"")
            network = \(list(policy.networkHosts))
            env = \(list(policy.environment))
            databases = \(list(policy.databases))
            \(flags(policy))
            [limits]
            cpu_seconds = \(limits.cpuSeconds)
            wall_seconds = \(wall)
            memory_mb = \(limits.memoryBytes >> 20)
            processes = \(limits.processes)
            output_kb = \(limits.outputBytes >> 10)

            """
    }
}

/// Turns a parsed document into a policy, checking every key and value.
private struct PolicyReader {
    let source: String
    let lines: [String: Int]

    func policy(from document: JSONObject) throws -> CapabilityPolicy {
        var policy = CapabilityPolicy.default
        for (key, value) in document {
            switch key {
            case "read": policy.readablePaths = try paths(value, key)
            case "write": policy.writablePaths = try paths(value, key)
            case "commands": policy.commands = try commands(value)
            case "network":
                policy.networkHosts = try strings(value, key).map { entry in
                    do {
                        return try NetworkDestination(entry: entry).description
                    } catch let error as NexusError {
                        throw problem(key, error.message)
                    }
                }
            case "env":
                policy.environment = try strings(value, key)
                if let bad = policy.environment.first(where: { !PolicyOverrides.isEnvironmentName($0) }) {
                    throw problem(key, "'\(bad)' is not an environment variable name")
                }
            case "databases": policy.databases = try paths(value, key)
            case "memory": policy.memoryWrites = try flag(value, key)
            case "self_modify": policy.selfModification = try flag(value, key)
            case "build_modules": policy.buildModules = try flag(value, key)
            case "mcp":
                policy.mcpServers = try strings(value, key, what: "MCP server names")
                if let bad = policy.mcpServers?.first(where: { !MCPServerName.isValid($0) }) {
                    throw problem(key, "'\(bad)' is not an MCP server name (\(MCPServerName.rule))")
                }
            case "limits": policy.limits = try limits(value, base: policy.limits)
            default: throw unknown(key, known: PolicyFile.keys)
            }
        }
        return policy
    }

    private func limits(_ value: JSONValue, base: ResourceLimits) throws -> ResourceLimits {
        guard let table = value.objectValue else {
            throw problem("limits", "must be a table ([limits] in TOML, an object in JSON)")
        }
        var limits = base
        for (key, value) in table {
            let path = "limits.\(key)"
            switch key {
            case "cpu_seconds": limits.cpuSeconds = try whole(value, path)
            case "wall_seconds":
                guard let seconds = value.numberValue, seconds > 0, seconds.isFinite else {
                    throw problem(path, "must be a number of seconds greater than 0")
                }
                limits.wallSeconds = seconds
            case "memory_mb": limits.memoryBytes = try whole(value, path, maximum: 1 << 30) << 20
            case "processes": limits.processes = try whole(value, path)
            case "output_kb": limits.outputBytes = try whole(value, path, maximum: 1 << 30) << 10
            default: throw unknown(path, known: PolicyFile.limitKeys)
            }
        }
        return limits
    }

    private func commands(_ value: JSONValue) throws -> [String]? {
        if case .string(let text) = value {
            guard text == "any" else {
                throw problem("commands", "must be a list of command names or \"any\", not \"\(text)\"")
            }
            return nil
        }
        return try strings(value, "commands", what: "command names or \"any\"")
    }

    private func flag(_ value: JSONValue, _ key: String) throws -> Bool {
        guard let flag = value.boolValue else { throw problem(key, "must be true or false") }
        return flag
    }

    private func paths(_ value: JSONValue, _ key: String) throws -> [String] {
        try strings(value, key, what: "paths")
    }

    private func strings(_ value: JSONValue, _ key: String, what: String = "strings") throws -> [String] {
        guard let items = value.arrayValue else { throw problem(key, "must be a list of \(what), like [\"...\"]") }
        return try items.map { item in
            guard let text = item.stringValue, !text.isEmpty else {
                throw problem(key, "must be a list of \(what); \(item.jsonText) is not a non-empty string")
            }
            return text
        }
    }

    private func whole(_ value: JSONValue, _ key: String, maximum: Int = Int(Int32.max)) throws -> Int {
        guard let number = value.numberValue, let integer = Int(exactly: number), (1...maximum).contains(integer) else {
            throw problem(key, "must be a whole number from 1 to \(maximum)")
        }
        return integer
    }

    private func location(_ key: String) -> String {
        lines[key].map { "\(source) line \($0)" } ?? source
    }

    private func problem(_ key: String, _ message: String) -> NexusError {
        NexusError(.invalidPolicy, "\(location(key)): '\(key)' \(message)")
    }

    private func unknown(_ key: String, known: [String]) -> NexusError {
        var message = "\(location(key)): unknown key '\(key)'"
        let name = key.split(separator: ".").last.map(String.init) ?? key
        if let suggestion = known.min(by: { policyKeyDistance($0, name) < policyKeyDistance($1, name) }), policyKeyDistance(suggestion, name) <= 2 {
            message += " (did you mean '\(suggestion)'?)"
        }
        return NexusError(.invalidPolicy, message + "; known keys: \(known.joined(separator: ", "))")
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
private func policyKeyDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for (i, x) in a.enumerated() {
        var current = [i + 1]
        for (j, y) in b.enumerated() {
            current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
        }
        previous = current
    }
    return previous[b.count]
}
