public import NexusCore

extension NexusError.Code {
    /// The database file cannot be opened or used at all: unreadable, corrupt, or written by a
    /// newer Nexus. The message names the file and what to do.
    public static let databaseUnavailable = NexusError.Code("database_unavailable")
    /// A statement failed on a database that is otherwise usable (disk full, locked, bad SQL).
    public static let databaseFailed = NexusError.Code("database_failed")
    /// A statement would change a database that the policy opened read-only.
    public static let databaseReadOnly = NexusError.Code("database_read_only")
    /// The record asked for (run, conversation, version, ...) does not exist.
    public static let notFound = NexusError.Code("not_found")
    /// The request is valid but cannot be carried out in the resource's current state (HTTP 409
    /// in the server): the record exists already, or is in the wrong state.
    public static let conflict = NexusError.Code("conflict")
}
