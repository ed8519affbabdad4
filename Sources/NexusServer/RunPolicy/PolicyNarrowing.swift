import NexusAPI
import NexusCore
import NexusTools

/// A run request's `policy`: it may only narrow the profile it runs under. Each key it sets
/// replaces the profile's value with one inside it: paths beneath the profile's paths, commands,
/// hosts, environment variables and databases from the profile's lists, limits no higher than
/// the profile's. Anything wider is refused with 403, never clamped, so a client is never
/// surprised by a policy it did not ask for. A key the request does not set keeps the profile's
/// value, and a key this server cannot narrow (one added to policies later) is refused.
struct PolicyNarrowing {
    /// The profile's name, for messages.
    let profileName: String
    let profile: CapabilityPolicy
    /// The run's workspace, absolute; relative entries are relative to it.
    let workspace: String

    /// The most entries one list of a request's policy may have (each path is resolved on disk).
    static let maximumEntries = 256

    /// The profile narrowed by `request`.
    /// - Throws: `NexusError(.invalidPolicy)` (400) for a value that is not a policy value,
    ///   `.forbidden` (403) for one wider than the profile.
    func narrowed(by request: JSONObject) throws -> CapabilityPolicy {
        var policy = profile
        for key in request.keys.sorted() {
            guard let value = request[key], value != .null else { continue }
            // The policy file's own reader checks the value (types, names, ranges).
            if let items = value.arrayValue, items.count > Self.maximumEntries {
                throw NexusError(.invalidArgument, "'policy.\(key)' has \(items.count) entries; a request may list at most \(Self.maximumEntries)")
            }
            let asked = try PolicyFile.parse(JSONValue.object([key: value]).jsonText, format: .json, source: "'policy'")
            switch key {
            case "read": policy.readablePaths = try paths(asked.readablePaths, within: profile.readablePaths, key: key)
            case "write": policy.writablePaths = try paths(asked.writablePaths, within: profile.writablePaths, key: key)
            case "databases": policy.databases = try paths(asked.databases, within: profile.databases, key: key)
            case "commands": policy.commands = try commands(asked.commands)
            case "network": policy.networkHosts = try hosts(asked.networkHosts)
            case "env":
                for name in asked.environment where !profile.environment.contains(name) {
                    throw wider(key, "'\(name)'", allowed: profile.environment)
                }
                policy.environment = asked.environment
            case "limits": policy.limits = try limits(asked.limits, keys: value.objectValue?.keys ?? [])
            case "mcp":
                for name in asked.mcpServers ?? [] where !profile.allowsMCPServer(name) {
                    throw wider(key, "'\(name)'", allowed: profile.mcpServers ?? [])
                }
                policy.mcpServers = asked.mcpServers
            case "memory":
                if asked.memoryWrites == true, !profile.allowsMemoryWrites { throw wider(key, "true", allowed: []) }
                policy.memoryWrites = asked.memoryWrites
            case "self_modify":
                if asked.selfModification == true, !profile.allowsSelfModification { throw wider(key, "true", allowed: []) }
                policy.selfModification = asked.selfModification
            case "build_modules":
                if asked.buildModules == true, !profile.allowsModuleBuilding { throw wider(key, "true", allowed: []) }
                policy.buildModules = asked.buildModules
            default:
                throw NexusError(.forbidden, "'policy.\(key)' cannot be set by a request; it comes from the policy profile '\(profileName)' (pick another profile, or ask an admin for one)")
            }
        }
        return policy
    }

    /// Each requested path, resolved, must lie beneath one of the profile's.
    private func paths(_ asked: [String], within allowed: [String], key: String) throws -> [String] {
        let roots = allowed.map { PolicyPath.resolved($0, workspace: workspace) }
        return try asked.map { entry in
            let path = PolicyPath.resolved(entry, workspace: workspace)
            guard roots.contains(where: { PolicyPath.isBeneath(path, $0) }) else {
                throw wider(key, "'\(entry)' (\(path))", allowed: allowed)
            }
            // The resolved path, so that what was checked is what the tools get.
            return path
        }
    }

    private func commands(_ asked: [String]?) throws -> [String]? {
        guard let allowed = profile.commands else { return asked }
        guard let asked else { throw wider("commands", "\"any\"", allowed: allowed) }
        for command in asked where !allowed.contains(command) {
            throw wider("commands", "'\(command)'", allowed: allowed)
        }
        return asked
    }

    private func hosts(_ asked: [String]) throws -> [String] {
        let allowed = profile.networkHosts.compactMap { try? NetworkDestination(entry: $0) }
        for entry in asked {
            let destination = try NetworkDestination(entry: entry)
            let inside = allowed.contains { $0.host == destination.host && ($0.port == nil || $0.port == destination.port) }
            guard inside else { throw wider("network", "'\(entry)'", allowed: profile.networkHosts) }
        }
        return asked
    }

    private func limits(_ asked: ResourceLimits, keys: [String]) throws -> ResourceLimits {
        var limits = profile.limits
        let allowed = profile.limits
        for key in keys.sorted() {
            let (value, maximum): (Double, Double)
            switch key {
            case "cpu_seconds": (value, maximum) = (Double(asked.cpuSeconds), Double(allowed.cpuSeconds)); limits.cpuSeconds = asked.cpuSeconds
            case "wall_seconds": (value, maximum) = (asked.wallSeconds, allowed.wallSeconds); limits.wallSeconds = asked.wallSeconds
            case "memory_mb": (value, maximum) = (Double(asked.memoryBytes >> 20), Double(allowed.memoryBytes >> 20)); limits.memoryBytes = asked.memoryBytes
            case "processes": (value, maximum) = (Double(asked.processes), Double(allowed.processes)); limits.processes = asked.processes
            case "output_kb": (value, maximum) = (Double(asked.outputBytes >> 10), Double(allowed.outputBytes >> 10)); limits.outputBytes = asked.outputBytes
            default:
                throw NexusError(.forbidden, "'policy.limits.\(key)' cannot be set by a request; it comes from the policy profile '\(profileName)'")
            }
            guard value <= maximum else {
                throw NexusError(.forbidden, "'policy.limits.\(key)' asks for \(RunPolicyBounds.number(value)), more than the policy profile '\(profileName)' allows (\(RunPolicyBounds.number(maximum))); a request may only lower its profile's limits")
            }
        }
        return limits
    }

    private func wider(_ key: String, _ what: String, allowed: [String]) -> NexusError {
        let shown = allowed.isEmpty ? "nothing" : allowed.prefix(20).joined(separator: ", ") + (allowed.count > 20 ? ", ..." : "")
        return NexusError(.forbidden, "'policy.\(key)' asks for \(what), which the policy profile '\(profileName)' does not allow (it allows \(shown)); a request may only narrow its profile: pick another profile, or ask an admin for one in $NEXUS_HOME/policies")
    }
}
