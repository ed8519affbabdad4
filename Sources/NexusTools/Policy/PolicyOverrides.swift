public import NexusCore

/// Command-line additions to a policy: `--allow-read PATH`, `--allow-write PATH`,
/// `--allow-command NAME`, `--allow-any-command`, `--allow-host HOST[:PORT]`, `--pass-env NAME`,
/// `--max-output-kb N`, `--allow-mcp NAME`.
///
/// Flags only add to the policy (and `--max-output-kb` replaces the output limit); a flag never
/// takes a permission away, so `nexus run --policy FILE --allow-host ...` reads as "the file, plus".
public struct PolicyOverrides: Sendable, Hashable {
    /// `--allow-read PATH`, repeatable.
    public var read: [String]
    /// `--allow-write PATH`, repeatable. Writing does not imply reading.
    public var write: [String]
    /// `--allow-command NAME`, repeatable.
    public var commands: [String]
    /// `--allow-any-command`.
    public var anyCommand: Bool
    /// `--allow-host HOST[:PORT]`, repeatable.
    public var hosts: [String]
    /// `--pass-env NAME`, repeatable.
    public var environment: [String]
    /// `--max-output-kb N`.
    public var maxOutputKB: Int?
    /// `--allow-mcp NAME`, repeatable: an MCP server of `$NEXUS_HOME/mcp.json` whose tools the run may call.
    public var mcpServers: [String]

    public init(read: [String] = [], write: [String] = [], commands: [String] = [], anyCommand: Bool = false,
                hosts: [String] = [], environment: [String] = [], maxOutputKB: Int? = nil, mcpServers: [String] = []) {
        self.read = read
        self.write = write
        self.commands = commands
        self.anyCommand = anyCommand
        self.hosts = hosts
        self.environment = environment
        self.maxOutputKB = maxOutputKB
        self.mcpServers = mcpServers
    }

    /// Whether no flag was given.
    public var isEmpty: Bool { self == PolicyOverrides() }

    /// Checks the flags' values; call it when parsing arguments, before ``applied(to:)``.
    /// - Throws: `NexusError(.invalidPolicy)` naming the flag and the value.
    public func validate() throws {
        for host in hosts {
            do {
                _ = try NetworkDestination(entry: host)
            } catch let error as NexusError {
                throw NexusError(.invalidPolicy, "--allow-host \(host): \(error.message)")
            }
        }
        for name in environment where !Self.isEnvironmentName(name) {
            throw NexusError(.invalidPolicy, "--pass-env \(name): not an environment variable name (letters, digits and '_', not starting with a digit)")
        }
        for (flag, values) in [("--allow-read", read), ("--allow-write", write), ("--allow-command", commands)]
        where values.contains(where: \.isEmpty) {
            throw NexusError(.invalidPolicy, "\(flag) needs a non-empty value")
        }
        if let bad = mcpServers.first(where: { !MCPServerName.isValid($0) }) {
            throw NexusError(.invalidPolicy, "--allow-mcp \(bad): not an MCP server name (\(MCPServerName.rule))")
        }
        if let maxOutputKB, !(1...(1 << 30)).contains(maxOutputKB) {
            throw NexusError(.invalidPolicy, "--max-output-kb \(maxOutputKB): must be a whole number from 1 to \(1 << 30)")
        }
    }

    /// The policy with these flags added.
    /// - Parameter policy: From a policy file or the default.
    public func applied(to policy: CapabilityPolicy) -> CapabilityPolicy {
        var result = policy
        result.readablePaths = Self.merging(policy.readablePaths, read)
        result.writablePaths = Self.merging(policy.writablePaths, write)
        if anyCommand {
            result.commands = nil
        } else if let existing = policy.commands {
            result.commands = Self.merging(existing, commands)
        }
        // An entry that does not parse is kept as written: it matches no host (``validate()`` reports it).
        let entries = hosts.map { (try? NetworkDestination(entry: $0).description) ?? $0 }
        result.networkHosts = Self.merging(policy.networkHosts, entries)
        result.environment = Self.merging(policy.environment, environment)
        if let maxOutputKB { result.limits.outputBytes = maxOutputKB << 10 }
        if !mcpServers.isEmpty { result.mcpServers = Self.merging(policy.mcpServers ?? [], mcpServers) }
        return result
    }

    static func merging(_ base: [String], _ added: [String]) -> [String] {
        var result = base
        for item in added where !result.contains(item) { result.append(item) }
        return result
    }

    static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }
}
