import Foundation
import GRDB
import GRDBSQLite
public import NexusCore

/// Runs one SQL statement on a user's SQLite database file, for the `database_query` tool.
///
/// The tool decides what may be opened (its policy); this type makes the access safe to hand to
/// a model: SQLite's authorizer decides what each statement may touch (``ExternalDatabaseAuthorizer``:
/// reads only on a read-only file, no `ATTACH`, no pragma that changes the process or the
/// connection), a read-only open is also enforced by SQLite's open flags, the schema is untrusted,
/// a statement is stopped at its time limit, and the result is cut to a byte budget. (The tool
/// also refuses Nexus's own database, ``ProtectedDatabaseFiles``, before calling this.)
public enum ExternalDatabase {
    /// Runs `sql` on the database at `path`.
    /// - Parameters:
    ///   - path: The database file (already checked against the policy).
    ///   - sql: One SQL statement.
    ///   - parameters: Values for the statement's `?` placeholders, in order: strings, numbers
    ///     (integral ones bind as integers), booleans (as 1 and 0), null; arrays and objects bind
    ///     as their JSON text.
    ///   - readOnly: Open the file read-only; a statement that would write is refused.
    ///   - maxBytes: The budget for the result's JSON; rows past it are left out and the result
    ///     is marked truncated.
    ///   - timeoutSeconds: The longest the statement may run.
    /// - Throws: `NexusError(.databaseReadOnly)` when a statement would write to a read-only
    ///   database, `.notFound` when a read-only file does not exist, `.invalidArgument` for SQL
    ///   that is not one valid statement or has the wrong number of parameters, `.databaseFailed`
    ///   for any other SQLite failure (not a database, timeout, constraint, ...), each naming the
    ///   file and saying what to change.
    /// The largest string or blob a statement may make or read.
    public static let maximumValueBytes: Int32 = 64 << 20

    public static func query(path: String, sql: String, parameters: [JSONValue] = [], readOnly: Bool,
                             maxBytes: Int, timeoutSeconds: Double = 30) throws -> ExternalQueryResult {
        if readOnly, !FileManager.default.fileExists(atPath: path) {
            throw NexusError(.notFound, "there is no database file at \(path)")
        }
        let denial = AuthorizerDenial()
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.label = "nexus.external"
        configuration.foreignKeysEnabled = false
        configuration.busyMode = .timeout(max(0.1, min(timeoutSeconds, 5)))
        configuration.prepareDatabase { db in
            if let connection = db.sqliteConnection {
                // One call, one file: ATTACH (and VACUUM, which attaches) could reach others.
                sqlite3_limit(connection, SQLITE_LIMIT_ATTACHED, 0)
                // No single value (a randomblob, a zeroblob, a long string) may take more than this
                // of Nexus's memory; SQLite's default is a gigabyte.
                sqlite3_limit(connection, SQLITE_LIMIT_LENGTH, Self.maximumValueBytes)
            }
            try db.execute(sql: "PRAGMA trusted_schema = OFF")
            if readOnly { try db.execute(sql: "PRAGMA query_only = ON") }
            // From here on SQLite itself decides what each statement may touch.
            if let connection = db.sqliteConnection {
                ExternalDatabaseAuthorizer.install(on: connection, writable: !readOnly, denial: denial)
            }
        }
        let arguments = StatementArguments(parameters.map(bindable))
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            return try queue.inDatabase { db in
                try run(sql, arguments: arguments, path: path, readOnly: readOnly, maxBytes: maxBytes, timeoutSeconds: timeoutSeconds, db)
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_AUTH || denial.last != nil {
            // A refusal inside a table-valued pragma surfaces as a plain error: the denial says why.
            throw ExternalDatabaseAuthorizer.refusal(denial.last, path: path, readOnly: readOnly)
        } catch {
            throw describe(error, path: path, timeoutSeconds: timeoutSeconds)
        }
    }

    private static func run(_ sql: String, arguments: StatementArguments, path: String, readOnly: Bool,
                            maxBytes: Int, timeoutSeconds: Double, _ db: Database) throws -> ExternalQueryResult {
        let statement = try db.makeStatement(sql: sql)
        if readOnly, !statement.isReadonly {
            throw NexusError(.databaseReadOnly, "the statement would change \(path), which is open read-only; only statements that read (SELECT, ...) may run on it")
        }
        let columns = uniqueNames(statement.columnNames)
        let before = db.totalChangesCount

        let deadline = UnsafeMutablePointer<Double>.allocate(capacity: 1)
        deadline.initialize(to: Date().timeIntervalSince1970 + max(timeoutSeconds, 0))
        defer { deadline.deallocate() }
        if let connection = db.sqliteConnection {
            sqlite3_progress_handler(connection, 4096, { context in
                guard let context else { return 0 }
                return Date().timeIntervalSince1970 > context.load(as: Double.self) ? 1 : 0
            }, UnsafeMutableRawPointer(deadline))
        }
        defer {
            if let connection = db.sqliteConnection { sqlite3_progress_handler(connection, 0, nil, nil) }
        }

        // The envelope around the rows: column names and the other members.
        var used = JSONValue.array(columns.map(JSONValue.string)).jsonText.utf8.count + 80
        var rows: [JSONObject] = []
        var truncated = false
        let cursor = try Row.fetchCursor(statement, arguments: arguments)
        while let row = try cursor.next() {
            var object = JSONObject()
            for (position, (_, value)) in row.enumerated() where position < columns.count {
                object[columns[position]] = json(value)
            }
            let size = JSONValue.object(object).jsonText.utf8.count + 1
            if used + size > maxBytes {
                truncated = true
                break
            }
            used += size
            rows.append(object)
        }
        return ExternalQueryResult(columns: columns, rows: rows, changes: db.totalChangesCount - before, truncated: truncated)
    }

    private static func bindable(_ value: JSONValue) -> (any DatabaseValueConvertible)? {
        switch value {
        case .null: return nil
        case .bool(let flag): return flag ? 1 : 0
        case .number(let number):
            if number == number.rounded(), abs(number) < 9.2e18 { return Int64(number) }
            return number
        case .string(let text): return text
        case .array, .object: return value.jsonText
        }
    }

    private static func json(_ value: DatabaseValue) -> JSONValue {
        switch value.storage {
        case .null: return .null
        case .int64(let integer):
            return abs(integer) <= 1 << 53 ? .number(Double(integer)) : .string(String(integer))
        case .double(let number): return number.isFinite ? .number(number) : .string(String(number))
        case .string(let text): return .string(text)
        case .blob(let data): return .string("base64:" + data.base64EncodedString())
        }
    }

    private static func uniqueNames(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.map { name in
            var candidate = name
            var suffix = 2
            while !seen.insert(candidate).inserted {
                candidate = "\(name)_\(suffix)"
                suffix += 1
            }
            return candidate
        }
    }

    private static func describe(_ error: any Error, path: String, timeoutSeconds: Double) -> NexusError {
        if let error = error as? NexusError { return error }
        guard let error = error as? DatabaseError else {
            if let error = error as? RowDecodingError { return NexusError(.databaseFailed, "cannot read a row of \(path): \(error)") }
            return NexusError(.databaseFailed, "the query on \(path) failed: \(error)")
        }
        let reason = error.message ?? "\(error.resultCode)"
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return NexusError(.databaseFailed, "\(path) is not a valid SQLite database (\(reason))")
        case .SQLITE_CANTOPEN:
            return NexusError(.databaseFailed, "cannot open the database \(path) (\(reason)); check that the file and its folder exist and are readable")
        case .SQLITE_READONLY:
            return NexusError(.databaseReadOnly, "the statement tried to change \(path), which is open read-only (\(reason))")
        case .SQLITE_INTERRUPT:
            return NexusError(.databaseFailed, "the statement on \(path) ran longer than \(timeoutSeconds) seconds and was stopped; add a LIMIT or a narrower WHERE")
        case .SQLITE_TOOBIG:
            return NexusError(.invalidArgument, "a value in the statement on \(path) is larger than database_query's limit of \(maximumValueBytes >> 20) MiB; select a smaller part of it (substr, length)")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return NexusError(.databaseFailed, "\(path) is locked by another process; try again later")
        case .SQLITE_MISUSE where reason.hasPrefix("Multiple statements"):
            return NexusError(.invalidArgument, "the sql holds several statements; send one statement per call")
        case .SQLITE_MISUSE, .SQLITE_RANGE:
            return NexusError(.invalidArgument, "the statement cannot run on \(path): \(reason)")
        default:
            if reason.contains("too many attached databases") {
                return NexusError(.invalidArgument, "ATTACH and VACUUM are not available in database_query: each call works on one database file")
            }
            if reason == "empty statement" {
                return NexusError(.invalidArgument, "the sql holds no statement")
            }
            return NexusError(.databaseFailed, "SQLite error on \(path): \(reason)")
        }
    }
}
