import GRDBSQLite
import NexusCore
import Synchronization

/// Tells, exactly and cheaply, whether anything was committed to a database file since the last
/// look: SQLite's `data_version`, read on a read-only connection of its own (which changes it
/// for every commit by any other connection, in this process or another).
///
/// The server asks on every request that carries a key, so the connection is SQLite's own,
/// behind a lock, with its one statement prepared once: a GRDB queue would hand each look to a
/// dispatch queue and park a thread of the cooperative pool whenever two requests asked at once.
final class DatabaseChangeWatch: Sendable {
    private let connection: Mutex<VersionConnection>

    /// - Throws: `NexusError(.databaseUnavailable)` when the file cannot be opened for reading.
    init(path: String) throws {
        connection = Mutex(try VersionConnection(path: path))
    }

    /// A number that differs from the last one read whenever a commit happened in between.
    /// - Throws: `NexusError(.databaseUnavailable)` when SQLite cannot read the file now.
    func version() throws -> Int {
        try connection.withLock { try $0.dataVersion() }
    }
}

/// A read-only SQLite connection and its prepared `PRAGMA data_version`.
private struct VersionConnection: ~Copyable {
    private let handle: OpaquePointer
    private let statement: OpaquePointer

    init(path: String) throws {
        var opened: OpaquePointer?
        // NOMUTEX: the watch's lock is the only way in.
        let status = sqlite3_open_v2(path, &opened, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK, let handle = opened else {
            let reason = opened.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_close(opened)
            throw NexusError(.databaseUnavailable, "cannot open \(path) to watch it for changes (\(reason)); check that the file is readable")
        }
        sqlite3_busy_timeout(handle, 5000)
        var prepared: OpaquePointer?
        guard sqlite3_prepare_v2(handle, "PRAGMA data_version", -1, &prepared, nil) == SQLITE_OK, let statement = prepared else {
            let reason = String(cString: sqlite3_errmsg(handle))
            sqlite3_close(handle)
            throw NexusError(.databaseUnavailable, "cannot watch \(path) for changes (\(reason)); check that it is a Nexus database")
        }
        self.handle = handle
        self.statement = statement
    }

    func dataVersion() throws -> Int {
        defer { sqlite3_reset(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW else {
            throw NexusError(.databaseUnavailable, "cannot read the database's change counter (\(String(cString: sqlite3_errmsg(handle)))); try again shortly")
        }
        return Int(sqlite3_column_int64(statement, 0))
    }

    deinit {
        sqlite3_finalize(statement)
        sqlite3_close(handle)
    }
}
