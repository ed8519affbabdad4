#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
public import NexusCore
import NexusStore

/// `database_query`: runs one SQL statement on an SQLite database file the policy lists.
///
/// Only files named in `policy.databases` (relative to the workspace; a listed folder covers the
/// files beneath it) may be opened, compared after resolving `..` and symbolic links, so a link
/// or a `..` cannot reach another file. A database is opened read-only unless it also lies
/// beneath one of `policy.writablePaths`; a statement that would write to a read-only database is
/// refused. What a statement may do is decided by SQLite's authorizer, not by reading the SQL
/// (see `ExternalDatabaseAuthorizer`): no pragma that changes the process or the connection, no
/// `ATTACH`; Nexus's own database is never opened. The statement stops after
/// `policy.limits.wallSeconds`, and the rows returned (JSON) are cut to `policy.limits.outputBytes`.
public struct DatabaseQueryTool: Tool {
    public init() {}

    /// It computes or fetches what a question asks.
    public var answersQuestions: Bool { true }

    public var keywords: [String] { ["sql", "database", "query", "table", "rows", "select", "sqlite", "records"] }

    public var definition: ToolDefinition {
        ToolDefinition(
            name: "database_query",
            description: """
                Run one SQL statement on an SQLite database file allowed by the user's policy and get the rows as JSON. \
                Use ? placeholders with "parameters" for values. Databases outside policy.writablePaths are read-only.
                """,
            parameters: [
                "type": "object",
                "properties": [
                    "database": ["type": "string", "minLength": 1, "maxLength": 4096, "description": "The database file, relative to the workspace or absolute."],
                    "sql": ["type": "string", "minLength": 1, "maxLength": 100_000, "description": "One SQL statement."],
                    "parameters": [
                        "type": "array", "items": ["type": ["string", "number", "boolean", "null"]], "maxItems": 1000,
                        "description": "Values for the ? placeholders, in order.",
                    ],
                ],
                "required": ["database", "sql"],
                "additionalProperties": false,
            ])
    }

    /// Offered only when the policy names a database.
    public func isUsable(under policy: CapabilityPolicy) -> Bool { !policy.databases.isEmpty }

    public func run(_ arguments: JSONValue, context: ToolContext) async throws -> ToolResult {
        guard let database = arguments["database"]?.stringValue, database.contains(where: { !$0.isWhitespace }), !database.contains("\0") else {
            return .error("database_query needs \"database\": the path of an SQLite file listed in the policy")
        }
        guard let sql = arguments["sql"]?.stringValue, sql.contains(where: { !$0.isWhitespace }) else {
            return .error("database_query needs \"sql\": one SQL statement")
        }
        let parameters = arguments["parameters"]?.arrayValue ?? []
        let policy = context.policy
        let workspace = DatabasePath.absolute(context.workspace.path, against: FileManager.default.currentDirectoryPath)
        let absolute = DatabasePath.absolute(database, against: workspace)
        // Links where the run itself can make them (the workspace, the writable roots) are never
        // followed, neither in the path asked for nor in the policy's entries: `data` swapped for a
        // link to `/` must not make every file a listed database.
        var anchors = [workspace] + (DatabasePath.canonical(workspace).map { [$0] } ?? [])
        let writableRoots = policy.writablePaths.map { DatabasePath.absolute($0, against: workspace) }
            .filter { DatabasePath.link(in: $0, beneath: anchors) == nil }
        anchors += writableRoots
        if let link = DatabasePath.link(in: absolute, beneath: anchors) {
            return .refused("database_query may not open \(absolute): \(link) is a symbolic link inside the workspace or a writable folder, and links there are not followed; name the file it points to instead")
        }
        guard let requested = DatabasePath.canonical(absolute) else {
            return .refused("database_query may not open \(absolute): it is a symbolic link to a file that does not exist")
        }
        let allowed = policy.databases.map { DatabasePath.absolute($0, against: workspace) }
            .filter { DatabasePath.link(in: $0, beneath: anchors) == nil }
            .compactMap(DatabasePath.canonical)
        guard allowed.contains(where: { requested == $0 || (DatabasePath.isBeneath(requested, $0) && DatabasePath.isDirectory($0)) }) else {
            let listed = policy.databases.isEmpty ? "the policy lists no databases" : "the policy allows only: \(policy.databases.joined(separator: ", "))"
            return .refused("database_query may not open \(requested): \(listed). The user can allow it by adding it to policy.databases.")
        }
        let writable = writableRoots.contains { root in
            guard let root = DatabasePath.canonical(root) else { return false }
            return requested == root || DatabasePath.isBeneath(requested, root)
        }
        // Nexus's own database (keys, runs, ledger) is never the model's, whatever the policy lists.
        do {
            try ProtectedDatabaseFiles.refuse(requested)
        } catch let error as NexusError {
            return .refused(error.message)
        }
        let maxBytes = policy.limits.outputBytes
        let timeout = policy.limits.wallSeconds
        do {
            let result = try await Self.offCooperativePool {
                try ExternalDatabase.query(path: requested, sql: sql, parameters: parameters, readOnly: !writable,
                                           maxBytes: maxBytes, timeoutSeconds: timeout)
            }
            return .ok(result.jsonValue.jsonText, truncated: result.truncated)
        } catch let error as NexusError where error.code == .databaseReadOnly {
            return .refused("\(error.message). \(requested) is not under policy.writablePaths, so database_query opens it read-only; the user can allow writes by adding it there.")
        } catch let error as NexusError where error.code == .databaseStatementRefused {
            return .refused(error.message)
        } catch let error as NexusError {
            return .error(error.message)
        }
    }

    /// Runs blocking SQLite work on a Dispatch thread: a statement may run up to the wall-time limit.
    private static func offCooperativePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await BlockingWork.run(work)
    }
}

/// Path arithmetic for database files: lexical `..` resolution, then symbolic links resolved on
/// the part of the path that exists.
private enum DatabasePath {
    /// `path` made absolute against `base`, with `.`, `..` and repeated slashes resolved lexically.
    static func absolute(_ path: String, against base: String) -> String {
        let expanded = path.hasPrefix("~/") ? NSHomeDirectory() + path.dropFirst(1) : path
        let joined = expanded.hasPrefix("/") ? expanded : base + "/" + expanded
        var components: [Substring] = []
        for component in joined.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": if !components.isEmpty { components.removeLast() }
            default: components.append(component)
            }
        }
        return "/" + components.joined(separator: "/")
    }

    /// The real path: symbolic links resolved in the longest existing prefix, the rest appended;
    /// nil when the path runs through a link whose target does not exist (SQLite would create the
    /// target, wherever it points).
    static func canonical(_ absolute: String) -> String? {
        var existing = absolute
        var rest: [String] = []
        while existing != "/" {
            if let resolved = realPath(existing) {
                return rest.isEmpty ? resolved : (resolved == "/" ? "" : resolved) + "/" + rest.joined(separator: "/")
            }
            var status = stat()
            if lstat(existing, &status) == 0 { return nil }
            guard let slash = existing.lastIndex(of: "/") else { break }
            rest.insert(String(existing[existing.index(after: slash)...]), at: 0)
            existing = slash == existing.startIndex ? "/" : String(existing[..<slash])
        }
        return absolute
    }

    /// The first symbolic link among the components of `path` below the most specific anchor
    /// that holds it (the anchor's own path is the user's setting), or nil.
    static func link(in path: String, beneath anchors: [String]) -> String? {
        guard let anchor = anchors.filter({ path == $0 || isBeneath(path, $0) }).max(by: { $0.count < $1.count }) else { return nil }
        var current = anchor == "/" ? "" : anchor
        for component in path.dropFirst(current.count).split(separator: "/") {
            current += "/" + component
            var status = stat()
            guard lstat(current, &status) == 0 else { return nil }  // what does not exist holds no link
            if (status.st_mode & S_IFMT) == S_IFLNK { return current }
        }
        return nil
    }

    static func isBeneath(_ path: String, _ root: String) -> Bool {
        root == "/" ? path != "/" : path.hasPrefix(root + "/")
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
