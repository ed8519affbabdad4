#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GRDBSQLite
public import NexusCore
import Synchronization

/// What a statement of `database_query` may do, decided by SQLite's authorizer
/// (`sqlite3_set_authorizer`) for every table, column, function and pragma the statement touches
/// as it is compiled, not by reading the SQL text.
///
/// A read-only database allows reading (`SELECT`, `WITH RECURSIVE`, functions) and the pragmas that
/// only describe the file; a writable one adds changing rows and schema. Neither allows `ATTACH`
/// or `DETACH` (one call, one file), loading extensions, nor any other pragma: some change the
/// whole process (`hard_heap_limit`, `soft_heap_limit`, `threads` are process-wide in SQLite, so one
/// query could starve Nexus's own database), others the connection's safety (`query_only`,
/// `writable_schema`, `trusted_schema`). The table-valued form (`SELECT * FROM pragma_x(...)`)
/// is held to the same list.
enum ExternalDatabaseAuthorizer {
    /// Pragmas that only describe the database, allowed with no argument (or a table or index
    /// name as argument, for those that take one).
    static let describingPragmas: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list",
        "foreign_key_check", "collation_list", "function_list", "module_list", "pragma_list", "database_list",
        "user_version", "application_id", "schema_version", "data_version", "page_count", "page_size",
        "freelist_count", "encoding", "journal_mode", "compile_options",
    ]
    /// Pragmas whose argument names a table or index rather than setting a value.
    static let pragmasNamingObjects: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list",
        "foreign_key_check",
    ]
    /// Settings of the file itself that a writable database may change.
    static let writablePragmas: Set<String> = ["user_version", "application_id"]
    /// Functions that reach outside the statement (the first is off by default; refused anyway).
    static let refusedFunctions: Set<String> = ["load_extension", "fts3_tokenizer"]

    /// Action codes allowed on any database.
    static let readActions: Set<Int32> = [SQLITE_SELECT, SQLITE_READ, SQLITE_FUNCTION, SQLITE_RECURSIVE]
    /// Action codes a writable database adds.
    static let writeActions: Set<Int32> = [
        SQLITE_INSERT, SQLITE_UPDATE, SQLITE_DELETE, SQLITE_TRANSACTION, SQLITE_SAVEPOINT, SQLITE_ANALYZE, SQLITE_REINDEX,
        SQLITE_CREATE_TABLE, SQLITE_CREATE_INDEX, SQLITE_CREATE_VIEW, SQLITE_CREATE_TRIGGER, SQLITE_CREATE_VTABLE,
        SQLITE_CREATE_TEMP_TABLE, SQLITE_CREATE_TEMP_INDEX, SQLITE_CREATE_TEMP_VIEW, SQLITE_CREATE_TEMP_TRIGGER,
        SQLITE_DROP_TABLE, SQLITE_DROP_INDEX, SQLITE_DROP_VIEW, SQLITE_DROP_TRIGGER, SQLITE_DROP_VTABLE,
        SQLITE_DROP_TEMP_TABLE, SQLITE_DROP_TEMP_INDEX, SQLITE_DROP_TEMP_VIEW, SQLITE_DROP_TEMP_TRIGGER, SQLITE_ALTER_TABLE,
    ]

    /// Whether an action is allowed; pure, so that it can be tested without SQLite.
    /// - Parameters:
    ///   - action: The authorizer's action code.
    ///   - first: Its first argument (a table, pragma or function name), lowercased by the caller.
    ///   - second: Its second argument (a column, or a pragma's value).
    ///   - writable: Whether the database is open for writing.
    static func allows(_ action: Int32, _ first: String?, _ second: String?, writable: Bool) -> Bool {
        switch action {
        case SQLITE_PRAGMA:
            guard let name = first else { return false }
            if second == nil { return describingPragmas.contains(name) }
            return pragmasNamingObjects.contains(name) || (writable && writablePragmas.contains(name))
        case SQLITE_READ:
            // `pragma_x(...)` is the pragma `x` as a table: held to the same list.
            if let table = first, table.hasPrefix("pragma_") {
                return describingPragmas.contains(String(table.dropFirst("pragma_".count)))
            }
            return true
        case SQLITE_FUNCTION:
            return !(second.map(refusedFunctions.contains) ?? false)
        default:
            return readActions.contains(action) || (writable && writeActions.contains(action))
        }
    }

    /// Installs the authorizer on a connection (GRDB's own authorizer, which only observes, is
    /// replaced). `denial` must outlive the connection.
    static func install(on connection: OpaquePointer, writable: Bool, denial: AuthorizerDenial) {
        sqlite3_set_authorizer(connection, writable ? authorizeWritable : authorizeReadOnly, Unmanaged.passUnretained(denial).toOpaque())
    }

    private typealias Callback = @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
                                                 UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Int32

    private static let authorizeReadOnly: Callback = { denial, action, first, second, _, _ in
        decide(denial, action, first, second, writable: false)
    }

    private static let authorizeWritable: Callback = { denial, action, first, second, _, _ in
        decide(denial, action, first, second, writable: true)
    }

    private static func decide(_ denial: UnsafeMutableRawPointer?, _ action: Int32, _ first: UnsafePointer<CChar>?,
                               _ second: UnsafePointer<CChar>?, writable: Bool) -> Int32 {
        let first = first.map { String(cString: $0).lowercased() }
        let second = second.map { String(cString: $0).lowercased() }
        if allows(action, first, second, writable: writable) { return SQLITE_OK }
        if let denial {
            Unmanaged<AuthorizerDenial>.fromOpaque(denial).takeUnretainedValue().record(action, action == SQLITE_FUNCTION ? second : first)
        }
        return SQLITE_DENY
    }

    /// Why a statement was refused, from the action the authorizer denied.
    static func refusal(_ denied: (action: Int32, name: String?)?, path: String, readOnly: Bool) -> NexusError {
        guard let denied else {
            return NexusError(.databaseStatementRefused, "database_query may not run this statement on \(path)")
        }
        switch denied.action {
        case SQLITE_ATTACH, SQLITE_DETACH:
            return NexusError(.invalidArgument, "ATTACH and VACUUM are not available in database_query: each call works on one database file")
        case SQLITE_PRAGMA, SQLITE_READ:
            let name = (denied.name ?? "").replacingOccurrences(of: "pragma_", with: "")
            return NexusError(.databaseStatementRefused, "PRAGMA \(name) is not allowed in database_query: only pragmas that describe the file (\(describingPragmas.sorted().joined(separator: ", "))) may run, since others change Nexus's own process or the connection's safety")
        case SQLITE_FUNCTION:
            return NexusError(.databaseStatementRefused, "the function \(denied.name ?? "") is not allowed in database_query")
        default:
            if readOnly, writeActions.contains(denied.action) {
                return NexusError(.databaseReadOnly, "the statement would change \(path), which is open read-only; only statements that read (SELECT, ...) may run on it")
            }
            return NexusError(.databaseStatementRefused, "database_query may not run this kind of statement on \(path) (SQLite action \(denied.action))")
        }
    }
}

/// The last action the authorizer refused on one connection, to say why a statement was refused.
final class AuthorizerDenial: Sendable {
    private let denied = Mutex<(action: Int32, name: String?)?>(nil)

    func record(_ action: Int32, _ name: String?) {
        denied.withLock { $0 = (action, name) }
    }

    var last: (action: Int32, name: String?)? { denied.withLock { $0 } }
}

public extension NexusError.Code {
    /// `database_query` refused a statement whatever the file's access: a pragma that is not a
    /// description of the file, `ATTACH`, an extension, or a query of Nexus's own database.
    static let databaseStatementRefused = NexusError.Code("database_statement_refused")
}
