import NexusCore
import NexusStore

/// Finds the versions a module's `require` calls load: the ids pinned in a promoted version's
/// attestation, or, for a draft, the highest promoted version that meets each requirement.
struct DependencyResolver {
    let modules: ModuleStore

    /// The direct dependencies of `manifest`, name → version.
    /// - Throws: `NexusError(.invalidModule)` naming a dependency with no matching promoted version,
    ///   or a pinned version that is missing or altered.
    func direct(of manifest: ModuleManifest) throws -> [(name: String, record: ModuleRecord)] {
        let pins = manifest.attestation?["dependencies"]?.objectValue
        return try manifest.dependencies.map { dependency in
            if let pinned = pins?[dependency.name]?.stringValue {
                guard let record = try modules.module(id: pinned) else {
                    throw NexusError(.invalidModule, "module \(manifest.name) pins \(dependency.name) at \(pinned), which is not in the graph; import or promote it")
                }
                guard ContentID.module(canonicalManifest: record.manifest, code: record.code) == record.id else {
                    throw NexusError(.invalidModule, "dependency \(dependency.name) (\(pinned)) of \(manifest.name) was altered after it was stored; run `nexus verify`")
                }
                return (dependency.name, record)
            }
            let candidates = try modules.versions(named: dependency.name).filter { record in
                record.stage == .promoted && SemanticVersion(record.version).map(dependency.requirement.accepts) == true
            }
            guard let best = candidates.max(by: { SemanticVersion($0.version)! < SemanticVersion($1.version)! }) else {
                throw NexusError(.invalidModule, "module \(manifest.name) needs \(dependency.name) \(dependency.requirement), but no promoted version of \(dependency.name) matches; promote one first")
            }
            return (dependency.name, best)
        }
    }

    /// Every module `manifest` may `require`, directly or through its dependencies, by name.
    /// - Throws: As ``direct(of:)``, and when two modules need different versions of one name.
    func closure(of manifest: ModuleManifest) throws -> [String: ModuleRecord] {
        var found: [String: ModuleRecord] = [:]
        var queue: [ModuleManifest] = [manifest]
        while let next = queue.popLast() {
            for (name, record) in try direct(of: next) {
                if let existing = found[name] {
                    guard existing.id == record.id else {
                        throw NexusError(.invalidModule, "two versions of \(name) are needed (\(existing.version) and \(record.version)); align the dependency requirements")
                    }
                    continue
                }
                found[name] = record
                queue.append(try ModuleManifest(json: JSONValue.parse(record.manifest)))
            }
        }
        return found
    }
}
