public import Foundation
import GRDB
public import NexusCore

/// The one database of Nexus: an SQLite file (`$NEXUS_HOME/nexus.db`) in WAL mode, or a private
/// in-memory database for tests.
///
/// Opening migrates the schema to the newest version (migrations are only ever appended, see
/// `Migrations.swift`). Every store (`MemoryStore`, `RunStore`, ...) is a small value over one
/// `NexusDatabase`; make as many as you like, they share its connections.
///
/// ```swift
/// let database = try NexusDatabase.open(at: home.appendingPathComponent(NexusDatabase.fileName))
/// let memories = MemoryStore(database: database)
/// ```
public final class NexusDatabase: Sendable {
    /// The name of the database file inside `$NEXUS_HOME`.
    public static let fileName = "nexus.db"

    /// The database file, or nil for an in-memory database.
    public let url: URL?
    let writer: any DatabaseWriter
    /// The org whose records the stores made over this handle read and write: runs, steps,
    /// traces, memories, conversations, credentials, usage, limits, approvals and audit events
    /// of other orgs are not there for them. A database opens in the default org; the server
    /// hands each request's work ``scoped(to:)`` its key's org.
    public let org: OrgName

    private init(writer: any DatabaseWriter, url: URL?, org: OrgName = .default) {
        self.writer = writer
        self.url = url
        self.org = org
    }

    /// The same database (the same connections) seen as `org`'s.
    public func scoped(to org: OrgName) -> NexusDatabase {
        org == self.org ? self : NexusDatabase(writer: writer, url: url, org: org)
    }

    /// Opens (creating it and its parent folders when missing) the database file at `url` in WAL
    /// mode and migrates it to the current schema.
    /// - Parameter url: The database file, usually `$NEXUS_HOME/nexus.db`.
    /// - Throws: `NexusError(.databaseUnavailable)` naming the path and what to do when the folder
    ///   cannot be created, the file is not a readable SQLite database, or it was written by a
    ///   newer Nexus.
    public static func open(at url: URL) throws -> NexusDatabase {
        let url = url.standardizedFileURL
        let path = url.path
        let folder = url.deletingLastPathComponent()
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw NexusError(.databaseUnavailable, "the Nexus database path \(path) is a folder, not a file; remove it or set NEXUS_HOME to another folder")
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw NexusError(.databaseUnavailable, "cannot create the folder \(folder.path) for the Nexus database (\(error.localizedDescription)); check that it is a writable folder or set NEXUS_HOME elsewhere")
        }
        var configuration = baseConfiguration()
        configuration.journalMode = .wal
        do {
            let pool = try DatabasePool(path: path, configuration: configuration)
            try migrate(pool, location: path)
            ProtectedDatabaseFiles.protect(path: path)
            return NexusDatabase(writer: pool, url: url)
        } catch {
            throw StoreFailure.opening(path, error)
        }
    }

    /// A new, empty, migrated database that lives in memory until the value is released.
    /// - Throws: `NexusError(.databaseUnavailable)` if SQLite cannot create it (out of memory).
    public static func inMemory() throws -> NexusDatabase {
        do {
            let queue = try DatabaseQueue(configuration: baseConfiguration())
            try migrate(queue, location: "(in memory)")
            return NexusDatabase(writer: queue, url: nil)
        } catch {
            throw StoreFailure.opening("(in memory)", error)
        }
    }

    /// The names of the migrations applied to this database, oldest first ("v1", ...).
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func appliedMigrations() throws -> [String] {
        try read("read the schema version") { db in
            try NexusMigrations.migrator.appliedIdentifiers(db).sorted { lhs, rhs in
                lhs.count != rhs.count ? lhs.count < rhs.count : lhs < rhs
            }
        }
    }

    /// SQLite's journal mode for this database: "wal" for files, "memory" in memory.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func journalMode() throws -> String {
        try read("read the journal mode") { db in
            try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "unknown"
        }
    }

    /// The file path, or "in memory", for messages.
    var location: String { url?.path ?? "in memory" }

    /// Runs `body` in a read-only access, turning failures into `NexusError`s that say `action`
    /// ("load run run_x", ...) failed.
    func read<T>(_ action: @autoclosure () -> String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.read(body)
        } catch {
            throw StoreFailure.operation(action(), location, error)
        }
    }

    /// Runs `body` in one write transaction: all of it is saved, or none of it.
    func write<T>(_ action: @autoclosure () -> String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.write(body)
        } catch {
            throw StoreFailure.operation(action(), location, error)
        }
    }

    /// ``read(_:_:)`` for async code: GRDB's async access, which never blocks the caller's thread.
    func readAsync<T: Sendable>(_ action: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.read(body)
        } catch {
            throw StoreFailure.operation(action, location, error)
        }
    }

    /// ``write(_:_:)`` for async code: GRDB's async access, which never blocks the caller's thread.
    func writeAsync<T: Sendable>(_ action: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.write(body)
        } catch {
            throw StoreFailure.operation(action, location, error)
        }
    }

    private static func baseConfiguration() -> Configuration {
        var configuration = Configuration()
        configuration.label = "nexus"
        configuration.foreignKeysEnabled = true
        // Another nexus process (a CLI command beside the server) may hold the write lock briefly.
        configuration.busyMode = .timeout(5)
        return configuration
    }

    private static func migrate(_ writer: any DatabaseWriter, location: String) throws {
        let migrator = NexusMigrations.migrator
        if try writer.read({ try migrator.hasBeenSuperseded($0) }) {
            throw NexusError(.databaseUnavailable, "the Nexus database at \(location) was written by a newer version of Nexus (its schema has migrations this version does not know); upgrade Nexus or set NEXUS_HOME to another folder")
        }
        try migrator.migrate(writer)
    }
}
