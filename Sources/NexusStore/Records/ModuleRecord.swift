public import Foundation
public import NexusCore

/// Where a module version is in its lifecycle. Validation and installation are recorded beside
/// the version (`ModuleValidation`, `ModuleInstall`), not as stages of their own.
public enum ModuleStage: String, Sendable, Hashable, Codable {
    /// A working copy: can be validated and promoted, never installed.
    case draft
    /// An immutable, validated version that can be installed.
    case promoted
}

/// The stored bytes of one module version, keyed by its content id.
public struct ModuleRecord: Sendable, Hashable {
    /// The content id: lowercase hex sha256 of the canonical manifest, "\n", and the code.
    public var id: String
    public var name: String
    /// The semantic version from the manifest.
    public var version: String
    public var stage: ModuleStage
    /// The canonical manifest JSON text.
    public var manifest: String
    /// The Lua source.
    public var code: String
    public var createdAt: Date

    public init(id: String, name: String, version: String, stage: ModuleStage, manifest: String, code: String, createdAt: Date = Date()) {
        self.id = id
        self.name = name
        self.version = version
        self.stage = stage
        self.manifest = manifest
        self.code = code
        self.createdAt = createdAt
    }
}

/// The outcome of validating a module version: whether it passed and the merged report.
public struct ModuleValidation: Sendable, Hashable {
    public var moduleID: String
    public var passed: Bool
    /// The merged report (checks, test results, hints), a JSON object.
    public var report: JSONValue
    public var createdAt: Date

    public init(moduleID: String, passed: Bool, report: JSONValue, createdAt: Date = Date()) {
        self.moduleID = moduleID
        self.passed = passed
        self.report = report
        self.createdAt = createdAt
    }
}

/// One move of a module name's active pointer.
public struct ModuleInstall: Sendable, Hashable {
    public enum Action: String, Sendable, Hashable, Codable {
        case install, rollback
    }

    /// Position in the install history (assigned when stored).
    public var id: Int64?
    public var name: String
    public var moduleID: String
    public var action: Action
    public var actor: String
    public var createdAt: Date

    public init(id: Int64? = nil, name: String, moduleID: String, action: Action, actor: String, createdAt: Date = Date()) {
        self.id = id
        self.name = name
        self.moduleID = moduleID
        self.action = action
        self.actor = actor
        self.createdAt = createdAt
    }
}
