import GRDB

/// Tells, exactly and cheaply, whether anything was committed to a database file since the last
/// look: SQLite's `data_version`, read on a read-only connection of its own (which changes it
/// for every commit by any other connection, in this process or another).
final class DatabaseChangeWatch: Sendable {
    private let connection: DatabaseQueue

    init(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        connection = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// A number that differs from the last one read whenever a commit happened in between.
    func version() throws -> Int {
        // The statement is prepared once: a request's key check runs this every time.
        try connection.inDatabase { db in try Int.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? 0 }
    }
}
