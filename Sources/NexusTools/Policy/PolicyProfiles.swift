public import Foundation
public import NexusCore

/// The named capability policies a run request picks from: `$NEXUS_HOME/policies/NAME.toml` (or
/// `.json`, the format of `docs/policy.md`), written by whoever administers the server. A request
/// names one (`"profile"`, `default` when it names none) and may only narrow it.
///
/// Without a `default.toml` the server's own default applies: the workspace only (read and
/// write), the default commands, no network, no environment variables, no databases.
///
/// Profiles in `policies/admin/` are for admin and owner keys only: that is how a server lets
/// its admins run wider than its operators. An admin key looks there first.
public struct PolicyProfiles: Sendable {
    /// `$NEXUS_HOME/policies`.
    public let folder: URL
    /// Whether the caller may use the profiles in `policies/admin/` (an admin or owner key).
    public var includesAdminProfiles = false

    /// The folder of the profiles only admin and owner keys may use.
    public var adminFolder: URL { folder.appendingPathComponent("admin", isDirectory: true) }

    public init(folder: URL, includesAdminProfiles: Bool = false) {
        self.folder = folder
        self.includesAdminProfiles = includesAdminProfiles
    }

    /// The profile a request gets when it names none.
    public static let defaultName = "default"

    /// The built-in `default` profile. Memory and self-modification stay off: both change what
    /// every later run of every key sees (recalled memories, the system prompt).
    public static let builtInDefault = CapabilityPolicy(
        readablePaths: ["."], writablePaths: ["."], commands: CapabilityPolicy.defaultCommands,
        networkHosts: [], environment: [], databases: [], limits: ResourceLimits(), memoryWrites: false, selfModification: false)

    /// The profile called `name`.
    /// - Throws: `NexusError(.invalidArgument)` for a malformed or unknown name (naming the
    ///   profiles there are), `.forbidden` when the profile's file cannot be used as written.
    public func profile(named name: String) throws -> CapabilityPolicy {
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            throw NexusError(.invalidArgument, "'profile' must be the name of a policy profile (letters, digits, '-', '_'), like \"default\"")
        }
        let folders = includesAdminProfiles ? [adminFolder, folder] : [folder]
        for (folder, format) in folders.flatMap({ folder in ["toml", "json"].map { (folder, $0) } }) {
            let file = folder.appendingPathComponent("\(name).\(format)")
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            do {
                // On a shared server, writes to what every key's runs see are opt-in per profile.
                var policy = try PolicyFile.load(file)
                policy.memoryWrites = policy.memoryWrites ?? false
                policy.selfModification = policy.selfModification ?? false
                return policy
            } catch let error as NexusError {
                throw NexusError(.forbidden, "the policy profile '\(name)' cannot be used: \(error.message); an admin must fix \(file.path)")
            }
        }
        if name == Self.defaultName { return Self.builtInDefault }
        if !includesAdminProfiles, ["toml", "json"].contains(where: { FileManager.default.fileExists(atPath: adminFolder.appendingPathComponent("\(name).\($0)").path) }) {
            throw NexusError(.forbidden, "the policy profile '\(name)' is for admin and owner keys only; use another profile or a key with the admin role")
        }
        throw NexusError(.invalidArgument, "there is no policy profile '\(name)'; this server has: \(names().joined(separator: ", ")) (an admin adds one as \(folder.path)/\(name).toml)")
    }

    /// The names of the profiles there are, `default` included.
    public func names() -> [String] {
        let files = (includesAdminProfiles ? [adminFolder, folder] : [folder])
            .flatMap { (try? FileManager.default.contentsOfDirectory(atPath: $0.path)) ?? [] }
        let named = files.compactMap { file -> String? in
            let url = URL(fileURLWithPath: file)
            return ["toml", "json"].contains(url.pathExtension) ? url.deletingPathExtension().lastPathComponent : nil
        }
        return Array(Set(named + [Self.defaultName])).sorted()
    }
}
