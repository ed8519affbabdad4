import NexusCore

/// What no run's policy may exceed, whatever its profile says: the server's ceilings on every
/// limit, and a fence around Nexus's own files (`$NEXUS_HOME` with its database, keys, models,
/// policies and other workspaces, and the database file wherever it lives). A policy whose
/// paths hold one of those, or lie inside one outside the run's own workspace, is refused: a run
/// that could read or write them could make its key an owner.
struct RunPolicyBounds: Sendable {
    /// The most of each resource a tool call may use.
    let ceilings: ResourceLimits
    /// Resolved absolute paths no policy may reach (`PolicyPath.resolved`).
    let fenced: [String]

    /// - Parameters:
    ///   - ceilings: The server's maximum limits.
    ///   - home: `$NEXUS_HOME`.
    ///   - databaseFile: The database file, when it is a file.
    init(ceilings: ResourceLimits, home: String, databaseFile: String?) {
        self.ceilings = ceilings
        let files = databaseFile.map { file in ["", "-wal", "-shm", "-journal"].map { file + $0 } } ?? []
        fenced = ([home] + files).map { PolicyPath.resolved($0, workspace: "/") }
    }

    /// Checks a policy a run would get.
    /// - Parameters:
    ///   - policy: The profile, or a request's narrowing of it.
    ///   - name: The profile's name, for messages.
    ///   - workspace: The run's workspace, absolute (relative entries are relative to it).
    /// - Throws: `NexusError(.forbidden)` naming the entry and what an admin must change.
    func check(_ policy: CapabilityPolicy, profile name: String, workspace: String) throws {
        let base = PolicyPath.resolved(workspace, workspace: "/")
        for (key, entries) in [("read", policy.readablePaths), ("write", policy.writablePaths), ("databases", policy.databases)] {
            for entry in entries {
                let path = PolicyPath.resolved(entry, workspace: base)
                for fence in fenced where PolicyPath.isBeneath(fence, path) || (PolicyPath.isBeneath(path, fence) && !PolicyPath.isBeneath(path, base)) {
                    throw NexusError(.forbidden, "the policy profile '\(name)' lets a run reach Nexus's own files: \(key) entry '\(entry)' (\(path)) \(PolicyPath.isBeneath(fence, path) ? "holds" : "lies in") \(fence); no profile may include Nexus's home or database, so an admin must narrow it")
                }
            }
        }
        let limits = policy.limits
        let over: [(String, Double, Double)] = [
            ("cpu_seconds", Double(limits.cpuSeconds), Double(ceilings.cpuSeconds)),
            ("wall_seconds", limits.wallSeconds, ceilings.wallSeconds),
            ("memory_mb", Double(limits.memoryBytes >> 20), Double(ceilings.memoryBytes >> 20)),
            ("processes", Double(limits.processes), Double(ceilings.processes)),
            ("output_kb", Double(limits.outputBytes >> 10), Double(ceilings.outputBytes >> 10)),
        ].filter { $0.1 > $0.2 }
        if let (key, value, ceiling) = over.first {
            throw NexusError(.forbidden, "the policy profile '\(name)' sets limits.\(key) = \(Self.number(value)), above this server's maximum of \(Self.number(ceiling)); an admin must lower it")
        }
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}
