import Foundation
import GRDB
public import NexusCore

/// Module versions (drafts and promoted versions, immutable, keyed by content id), their
/// validation reports, and each name's install history, whose latest entry is the active version.
///
/// Promotions, installs and rollbacks are written through `LedgerStore.append(changes:entry:)`
/// so that each is signed in the same transaction; drafts and validations are written here.
public struct ModuleStore: Sendable {
    let database: NexusDatabase

    public init(database: NexusDatabase) {
        self.database = database
    }

    /// Stores a version with its graph node and edges; a version with the same id is kept as it is.
    /// - Returns: Whether the version was new.
    /// - Throws: `NexusError(.databaseFailed)` when it cannot be saved (for instance a second
    ///   promoted version with the same name and version).
    @discardableResult
    public func add(_ module: ModuleRecord, node: GraphNode, edges: [GraphEdge] = []) throws -> Bool {
        try database.write("store module \(module.name)@\(module.version)") { db in
            let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM module_versions WHERE id = ?", arguments: [module.id]) ?? false
            if exists { return false }
            try Self.insert(module, db)
            try GraphStore.insert(node, db)
            for edge in edges { try GraphStore.insert(edge, db) }
            return true
        }
    }

    /// The version with this content id, or nil.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func module(id: String) throws -> ModuleRecord? {
        try database.read("load module \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM module_versions WHERE id = ?", arguments: [id]).map(ModuleRecord.init(row:))
        }
    }

    /// The ids starting with `prefix` (at most `limit`).
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func ids(startingWith prefix: String, limit: Int = 5) throws -> [String] {
        try database.read("find module \(prefix)") { db in
            try String.fetchAll(db, sql: "SELECT id FROM module_versions WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT ?",
                                arguments: [likePattern(prefix: prefix), limit])
        }
    }

    /// Every version of `name` (drafts and promoted), oldest first.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func versions(named name: String) throws -> [ModuleRecord] {
        try database.read("load the versions of module \(name)") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM module_versions WHERE name = ? ORDER BY created_at, rowid", arguments: [name])
                .map(ModuleRecord.init(row:))
        }
    }

    /// Every version of every module, oldest first.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func all() throws -> [ModuleRecord] {
        try database.read("load the modules") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM module_versions ORDER BY name, created_at, rowid").map(ModuleRecord.init(row:))
        }
    }

    /// Records a validation of a version.
    /// - Throws: `NexusError(.databaseFailed)` when it cannot be saved.
    public func addValidation(_ validation: ModuleValidation) throws {
        try database.write("store the validation of module \(validation.moduleID)") { db in
            try db.execute(sql: "INSERT INTO module_validations (module_id, passed, report, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [validation.moduleID, validation.passed, validation.report.jsonText, validation.createdAt.databaseSeconds])
        }
    }

    /// The most recent validation of a version, or nil when it was never validated.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func latestValidation(moduleID: String) throws -> ModuleValidation? {
        try database.read("load the validation of module \(moduleID)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM module_validations WHERE module_id = ? ORDER BY id DESC LIMIT 1", arguments: [moduleID])
                .map { row in
                    ModuleValidation(moduleID: try row.value("module_id"), passed: try row.value("passed"), report: try row.json("report"),
                                     createdAt: try row.date("created_at"))
                }
        }
    }

    /// The latest install or rollback of `name`: its active version. Nil when never installed.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func active(name: String) throws -> ModuleInstall? {
        try database.read("load the active version of \(name)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM module_installs WHERE name = ? ORDER BY id DESC LIMIT 1", arguments: [name])
                .map(ModuleInstall.init(row:))
        }
    }

    /// The active install of every installed name, by name.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func activeAll() throws -> [ModuleInstall] {
        try database.read("load the installed modules") { db in
            try Row.fetchAll(db, sql: """
                SELECT i.* FROM module_installs i
                WHERE i.id = (SELECT max(id) FROM module_installs WHERE name = i.name)
                ORDER BY i.name
                """).map(ModuleInstall.init(row:))
        }
    }

    /// The install history of `name` (or of every name when nil), oldest first.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func installs(name: String? = nil) throws -> [ModuleInstall] {
        try database.read("load the install history") { db in
            if let name {
                return try Row.fetchAll(db, sql: "SELECT * FROM module_installs WHERE name = ? ORDER BY id", arguments: [name]).map(ModuleInstall.init(row:))
            }
            return try Row.fetchAll(db, sql: "SELECT * FROM module_installs ORDER BY id").map(ModuleInstall.init(row:))
        }
    }

    // MARK: - Rows

    static func insert(_ module: ModuleRecord, _ db: Database) throws {
        try db.execute(sql: """
            INSERT INTO module_versions (id, name, version, stage, manifest, code, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [module.id, module.name, module.version, module.stage.rawValue, module.manifest, module.code,
                             module.createdAt.databaseSeconds])
    }

    static func insert(_ install: ModuleInstall, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO module_installs (name, module_id, action, actor, created_at) VALUES (?, ?, ?, ?, ?)",
                       arguments: [install.name, install.moduleID, install.action.rawValue, install.actor, install.createdAt.databaseSeconds])
    }
}

extension ModuleRecord {
    init(row: Row) throws {
        let stage: String = try row.value("stage")
        self.init(id: try row.value("id"), name: try row.value("name"), version: try row.value("version"),
                  stage: ModuleStage(rawValue: stage) ?? .draft, manifest: try row.value("manifest"), code: try row.value("code"),
                  createdAt: try row.date("created_at"))
    }
}

extension ModuleInstall {
    init(row: Row) throws {
        let action: String = try row.value("action")
        self.init(id: try row.value("id"), name: try row.value("name"), moduleID: try row.value("module_id"),
                  action: Action(rawValue: action) ?? .install, actor: try row.value("actor"), createdAt: try row.date("created_at"))
    }
}
