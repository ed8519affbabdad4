public import Foundation
public import NexusCore
public import NexusStore

/// A module's way from draft to active tool: draft → validated → promoted (immutable, signed) →
/// installed (the name's active pointer) → rolled back (the pointer moves back).
///
/// References name a version: `NAME` (the newest draft for validate and promote; the highest
/// promoted version for install), `NAME@VERSION`, or `nexus://ID` (or a unique id prefix).
/// Promotions, installs and rollbacks are signed ledger entries written in the same transaction
/// as the change.
public struct ModuleLifecycle: Sendable {
    /// The module versions, validations and installs it moves.
    public let modules: ModuleStore
    let graph: GraphStore
    public let ledger: Ledger
    let runtime: ModuleRuntime

    public init(runtime: ModuleRuntime, ledger: Ledger) {
        self.modules = runtime.modules
        self.graph = GraphStore(database: runtime.database)
        self.ledger = ledger
        self.runtime = runtime
    }

    // MARK: - Drafts

    /// Makes a draft from a folder holding `manifest.json` and the Lua code (`module.lua`, or the
    /// folder's only `.lua` file).
    /// - Throws: `NexusError(.invalidModule)` naming the missing or malformed file.
    public func createDraft(folder: URL, actor: String) throws -> (record: ModuleRecord, created: Bool) {
        let manifestURL = folder.appendingPathComponent("manifest.json")
        guard let manifestData = FileManager.default.contents(atPath: manifestURL.path) else {
            throw NexusError(.invalidModule, "\(folder.path) has no readable manifest.json; a module folder holds manifest.json and module.lua")
        }
        let luaFiles = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".lua") }.sorted()
        let codeName = luaFiles.contains("module.lua") ? "module.lua" : luaFiles.count == 1 ? luaFiles[0] : nil
        guard let codeName, let codeData = FileManager.default.contents(atPath: folder.appendingPathComponent(codeName).path) else {
            let found = luaFiles.isEmpty ? "none" : luaFiles.joined(separator: ", ")
            throw NexusError(.invalidModule, "\(folder.path) needs its Lua code in module.lua (found .lua files: \(found))")
        }
        let manifest: JSONValue
        do {
            manifest = try JSONValue.parse(manifestData)
        } catch let error as NexusError {
            throw NexusError(.invalidModule, "\(manifestURL.path) is not valid JSON: \(error.message)")
        }
        guard let code = String(data: codeData, encoding: .utf8) else {
            throw NexusError(.invalidModule, "\(codeName) in \(folder.path) is not UTF-8 text; modules are Lua source, not binary chunks")
        }
        return try createDraft(manifest: manifest, code: code, actor: actor)
    }

    /// Stores a draft; the same manifest and code twice give the same draft.
    /// - Throws: `NexusError(.invalidModule)` for a manifest that does not parse, an attestation
    ///   (only promotion sets one), or code that is empty or binary.
    public func createDraft(manifest json: JSONValue, code: String, actor: String) throws -> (record: ModuleRecord, created: Bool) {
        let manifest = try ModuleManifest(json: json)
        guard manifest.attestation == nil else {
            throw NexusError(.invalidModule, "module \(manifest.name): \"attestation\" is set by promotion; remove it from the draft's manifest")
        }
        guard code.contains(where: { !$0.isWhitespace }) else {
            throw NexusError(.invalidModule, "module \(manifest.name) has no code; module.lua must return a table with run(input)")
        }
        guard code.utf8.first != 0x1B else {
            throw NexusError(.invalidModule, "module \(manifest.name): binary (precompiled) chunks are not accepted; give the Lua source")
        }
        let canonical = manifest.canonicalText
        let id = ContentID.module(canonicalManifest: canonical, code: code)
        let record = ModuleRecord(id: id, name: manifest.name, version: manifest.version.description, stage: .draft, manifest: canonical, code: code)
        var edges: [GraphEdge] = []
        if let previous = try modules.versions(named: manifest.name).last(where: { $0.stage == .draft }), previous.id != id {
            edges.append(GraphEdge(source: id, kind: .derivedFrom, target: previous.id))
        }
        let node = GraphNode(id: id, kind: "module", label: "\(manifest.reference) (draft)",
                             metadata: ["name": .string(manifest.name), "version": .string(manifest.version.description), "stage": "draft",
                                        "created_by": .string(actor)])
        let created = try modules.add(record, node: node, edges: edges)
        return (try modules.module(id: id) ?? record, created)
    }

    // MARK: - Validate, promote

    /// Validates a version (default: the newest draft of the name) and stores the report.
    /// - Throws: `NexusError(.notFound)` when the reference names nothing.
    public func validate(_ reference: String) async throws -> ValidationReport {
        let record = try find(reference, preferring: .draft)
        let report = await ModuleValidator(runtime: runtime).validate(record)
        try modules.addValidation(ModuleValidation(moduleID: record.id, passed: report.passed, report: report.json))
        return report
    }

    /// Validates a manifest and code without storing anything: the toolsmith checks a module
    /// against tests its author never saw this way.
    /// - Throws: `NexusError(.invalidModule)` for a manifest that does not parse.
    public func trial(manifest json: JSONValue, code: String) async throws -> ValidationReport {
        let manifest = try ModuleManifest(json: json)
        let canonical = manifest.canonicalText
        let record = ModuleRecord(id: ContentID.module(canonicalManifest: canonical, code: code), name: manifest.name,
                                  version: manifest.version.description, stage: .draft, manifest: canonical, code: code)
        return await ModuleValidator(runtime: runtime).validate(record)
    }

    /// Whether `name` is a built-in tool's, which no module may take.
    public func isBuiltInTool(_ name: String) -> Bool {
        runtime.tools.tool(named: name) != nil
    }

    /// The version a new module of `name` takes: 1.0.0, or the next minor after the highest promoted one.
    public func nextVersion(of name: String) throws -> String {
        let promoted = try modules.versions(named: name).filter { $0.stage == .promoted }
        guard let newest = promoted.compactMap({ SemanticVersion($0.version) }).max() else { return "1.0.0" }
        return "\(newest.major).\(newest.minor + 1).0"
    }

    /// Promotes a validated draft to an immutable version whose manifest carries an attestation
    /// (the draft's id, the report's digest, the pinned dependencies), signed in the ledger.
    /// - Returns: The promoted version (the existing one if this draft was promoted already).
    /// - Throws: `NexusError(.lifecycleRefused)` when the draft was not validated, failed its
    ///   validation, or its name and version are already promoted with other code.
    public func promote(_ reference: String, actor: String) throws -> ModuleRecord {
        let draft = try find(reference, preferring: .draft)
        if let approval = try ModuleApprovalStore(database: runtime.database).find(draft.id), approval.draftID == draft.id, approval.decision != .approved {
            throw NexusError(.lifecycleRefused, approval.decision == .rejected
                ? "\(draft.name)@\(draft.version) was rejected by \(approval.decidedBy ?? "an admin")\(approval.reason.map { " (\($0))" } ?? ""); it is never promoted"
                : "\(draft.name)@\(draft.version) waits for an admin's approval; approve it with `nexus modules approve \(draft.name)@\(draft.version)`")
        }
        let plan = try promotion(of: draft)
        if let same = plan.promotedAlready { return same }
        let id = plan.id
        let record = ModuleRecord(id: id, name: draft.name, version: draft.version, stage: .promoted, manifest: plan.canonical, code: draft.code)
        let key = try ledger.key()
        var changes: [StoreChange] = [
            .module(record),
            .node(GraphNode(id: id, kind: "module", label: plan.manifest.reference,
                            metadata: ["name": .string(draft.name), "version": .string(draft.version), "stage": "promoted", "promoted_by": .string(actor)])),
            .edge(GraphEdge(source: id, kind: .derivedFrom, target: draft.id)),
            .edge(GraphEdge(source: id, kind: .signedBy, target: "key:\(key.id)")),
        ]
        for dependency in plan.dependencies {
            changes.append(.edge(GraphEdge(source: id, kind: .dependsOn, target: dependency.id)))
        }
        if let previous = plan.existing.max(by: { SemanticVersion($0.version)! < SemanticVersion($1.version)! }) {
            changes.append(.edge(GraphEdge(source: id, kind: .replaces, target: previous.id)))
        }
        try ledger.append(action: "promote", subject: id, actor: actor,
                          detail: ["name": .string(draft.name), "version": .string(draft.version), "draft": .string(draft.id)], changes: changes)
        try modules.addValidation(ModuleValidation(moduleID: id, passed: true, report: plan.validation.report))
        return record
    }

    /// Checks, without changing anything, that the draft `reference` would be promoted once
    /// approved: an approval is recorded only for a module that can then be installed.
    /// - Throws: what ``promote(_:actor:)`` would, its approval aside.
    public func checkPromotable(_ reference: String) throws {
        _ = try promotion(of: try find(reference, preferring: .draft))
    }

    /// What promoting `draft` makes, or why it is refused (its approval aside).
    private struct Promotion {
        var validation: ModuleValidation
        var manifest: ModuleManifest
        var canonical: String
        var id: String
        var existing: [ModuleRecord]
        /// The promoted versions it depends on.
        var dependencies: [ModuleRecord]
        /// The version this very draft was promoted to before.
        var promotedAlready: ModuleRecord?
    }

    private func promotion(of draft: ModuleRecord) throws -> Promotion {
        guard draft.stage == .draft else {
            throw NexusError(.lifecycleRefused, "\(draft.name)@\(draft.version) is already promoted; install it with `nexus modules install \(draft.name)@\(draft.version)`")
        }
        try checkBytes(draft)
        guard let validation = try modules.latestValidation(moduleID: draft.id) else {
            throw NexusError(.lifecycleRefused, "the draft \(draft.name)@\(draft.version) has not been validated; run `nexus modules validate \(draft.name)` first")
        }
        guard validation.passed else {
            throw NexusError(.lifecycleRefused, "the draft \(draft.name)@\(draft.version) failed validation; fix it, make a new draft and validate again (`nexus modules validate \(draft.name)` shows the report)")
        }
        var manifest = try ModuleManifest(json: JSONValue.parse(draft.manifest))
        let dependencies = try DependencyResolver(modules: modules).direct(of: manifest)
        let attestation: JSONObject = [
            "draft": .string(draft.id),
            "report": .string(ContentID.sha256(CanonicalJSON.bytes(validation.report))),
            "dependencies": .object(JSONObject(dependencies.map { ($0.name, JSONValue.string($0.record.id)) })),
        ]
        manifest.json["attestation"] = .object(attestation)
        let canonical = manifest.canonicalText
        let id = ContentID.module(canonicalManifest: canonical, code: draft.code)
        let existing = try modules.versions(named: draft.name).filter { $0.stage == .promoted }
        var promotedAlready: ModuleRecord?
        if let same = existing.first(where: { $0.version == draft.version }) {
            guard ContentID.module(canonicalManifest: same.manifest, code: same.code) == same.id,
                  (try? ModuleManifest(json: JSONValue.parse(same.manifest)).attestation?["draft"]?.stringValue) == draft.id else {
                throw NexusError(.lifecycleRefused, "\(draft.name)@\(draft.version) is already promoted with other code; bump \"version\" in the manifest and make a new draft")
            }
            promotedAlready = same
        }
        return Promotion(validation: validation, manifest: manifest, canonical: canonical, id: id, existing: existing,
                         dependencies: dependencies.map(\.record), promotedAlready: promotedAlready)
    }

    // MARK: - Install, rollback

    /// Makes a promoted version the active one for its name, live for the next call.
    /// - Returns: The install, or nil when that version was already active.
    /// - Throws: `NexusError(.lifecycleRefused)` for a draft, a version without a passing
    ///   validation, or one whose bytes no longer match its id.
    @discardableResult
    public func install(_ reference: String, actor: String) throws -> ModuleInstall? {
        let record = try find(reference, preferring: .promoted)
        guard record.stage == .promoted else {
            throw NexusError(.lifecycleRefused, "\(record.name)@\(record.version) is a draft, and drafts are never installable; validate and promote it first (`nexus modules validate \(record.name)`, `nexus modules promote \(record.name)`)")
        }
        try checkBytes(record)
        let manifest = try ModuleManifest(json: JSONValue.parse(record.manifest))
        guard let validation = try modules.latestValidation(moduleID: record.id), validation.passed,
              let digest = manifest.attestation?["report"]?.stringValue, digest == ContentID.sha256(CanonicalJSON.bytes(validation.report)) else {
            throw NexusError(.lifecycleRefused, "\(record.name)@\(record.version) has no passing validation that matches its attestation; it cannot be installed")
        }
        let current = try modules.active(name: record.name)
        if current?.moduleID == record.id { return nil }
        return try move(record, action: .install, from: current, actor: actor)
    }

    /// Moves the active pointer back: to the version active before the current one, or to the
    /// named earlier version. Nothing is rebuilt or deleted.
    /// - Throws: `NexusError(.lifecycleRefused)` when there is nothing to roll back to.
    @discardableResult
    public func rollback(_ reference: String, actor: String) throws -> ModuleInstall {
        let name = reference.split(separator: "@", maxSplits: 1).first.map(String.init) ?? reference
        var stack: [String] = []
        for install in try modules.installs(name: name) {
            if install.action == .install {
                stack.append(install.moduleID)
            } else {
                while let top = stack.last, top != install.moduleID { stack.removeLast() }
                if stack.isEmpty { stack.append(install.moduleID) }
            }
        }
        guard !stack.isEmpty else {
            throw NexusError(.lifecycleRefused, "module \(name) is not installed; there is nothing to roll back")
        }
        stack.removeLast()
        let targetID: String
        if reference.contains("@") {
            let wanted = try find(reference, preferring: .promoted)
            guard wanted.stage == .promoted, stack.contains(wanted.id) else {
                throw NexusError(.lifecycleRefused, "\(wanted.name)@\(wanted.version) was not active before the current version; install it instead")
            }
            targetID = wanted.id
        } else {
            guard let previous = stack.last else {
                throw NexusError(.lifecycleRefused, "module \(name) has no earlier installed version to roll back to")
            }
            targetID = previous
        }
        guard let target = try modules.module(id: targetID) else {
            throw NexusError(.lifecycleRefused, "the earlier version nexus://\(targetID) of \(name) is missing from the graph; run `nexus verify`")
        }
        try checkBytes(target)
        return try move(target, action: .rollback, from: try modules.active(name: name), actor: actor)
    }

    private func move(_ record: ModuleRecord, action: ModuleInstall.Action, from current: ModuleInstall?, actor: String) throws -> ModuleInstall {
        let install = ModuleInstall(name: record.name, moduleID: record.id, action: action, actor: actor)
        var detail: JSONObject = ["name": .string(record.name), "version": .string(record.version)]
        if let current { detail["previous"] = .string(current.moduleID) }
        try ledger.append(action: action.rawValue, subject: record.id, actor: actor, detail: detail, changes: [.install(install)])
        return try modules.active(name: record.name) ?? install
    }

    // MARK: - Finding versions

    /// The version a reference names.
    /// - Parameter preferring: For a bare name: `.draft` picks the newest draft, `.promoted` the
    ///   highest promoted version.
    /// - Throws: `NexusError(.notFound)` naming what exists instead.
    public func find(_ reference: String, preferring stage: ModuleStage) throws -> ModuleRecord {
        if reference.hasPrefix("nexus://") || (reference.count >= 8 && reference.allSatisfy(\.isHexDigit) && !reference.contains("@")) {
            let id = reference.hasPrefix("nexus://") ? String(reference.dropFirst("nexus://".count)) : reference
            if let record = try modules.module(id: id) { return record }
            let matches = try modules.ids(startingWith: id)
            if matches.count == 1, let record = try modules.module(id: matches[0]) { return record }
            throw NexusError(.notFound, matches.isEmpty ? "no module version nexus://\(id); see `nexus modules list`" : "nexus://\(id) is ambiguous; give more characters")
        }
        let parts = reference.split(separator: "@", maxSplits: 1).map(String.init)
        let name = parts.first ?? reference
        let versions = try modules.versions(named: name)
        guard !versions.isEmpty else {
            throw NexusError(.notFound, "no module named '\(name)'; make one with `nexus modules new DIR` or see `nexus modules list`")
        }
        if parts.count == 2 {
            let version = parts[1]
            let matching = versions.filter { $0.version == version }
            if let record = matching.first(where: { $0.stage == stage }) ?? matching.last { return record }
            throw NexusError(.notFound, "module \(name) has no version \(version); it has \(Set(versions.map(\.version)).sorted().joined(separator: ", "))")
        }
        switch stage {
        case .draft:
            if let draft = versions.last(where: { $0.stage == .draft }) { return draft }
            throw NexusError(.notFound, "module \(name) has no draft; make one with `nexus modules new DIR`")
        case .promoted:
            let promoted = versions.filter { $0.stage == .promoted }
            if let best = promoted.max(by: { SemanticVersion($0.version)! < SemanticVersion($1.version)! }) { return best }
            throw NexusError(.notFound, "module \(name) has no promoted version; validate and promote a draft first")
        }
    }

    private func checkBytes(_ record: ModuleRecord) throws {
        guard ContentID.module(canonicalManifest: record.manifest, code: record.code) == record.id else {
            throw NexusError(.lifecycleRefused, "the bytes of \(record.name)@\(record.version) no longer match its content id nexus://\(record.id); it was altered in the database (run `nexus verify`)")
        }
    }
}
