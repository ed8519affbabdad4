import Foundation
import GRDB
import NexusCore

/// Turns GRDB and SQLite errors into `NexusError`s a person can act on.
enum StoreFailure {
    /// The error for a database file that could not be opened or migrated.
    static func opening(_ path: String, _ error: any Error) -> NexusError {
        if let error = error as? NexusError { return error }
        guard let error = error as? DatabaseError else {
            return NexusError(.databaseUnavailable, "cannot open the Nexus database at \(path): \(error); move the file aside or set NEXUS_HOME to another folder")
        }
        let reason = error.message ?? "\(error.resultCode)"
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return NexusError(.databaseUnavailable, "the Nexus database at \(path) is damaged or not an SQLite database (\(reason)); move it aside (mv \(path) \(path).bad) and Nexus will create a new one")
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH:
            return NexusError(.databaseUnavailable, "cannot open the Nexus database at \(path) for reading and writing (\(reason)); check the permissions of the file and its folder, or set NEXUS_HOME to a writable folder")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return NexusError(.databaseUnavailable, "the Nexus database at \(path) is locked by another process (\(reason)); stop the other nexus process or try again")
        case .SQLITE_FULL:
            return NexusError(.databaseUnavailable, "the disk holding the Nexus database at \(path) is full; free some space and try again")
        default:
            return NexusError(.databaseUnavailable, "cannot open the Nexus database at \(path) (\(reason)); move it aside or set NEXUS_HOME to another folder")
        }
    }

    /// The error for a statement that failed while doing `action` on the database at `location`.
    static func operation(_ action: String, _ location: String, _ error: any Error) -> NexusError {
        if let error = error as? NexusError { return error }
        guard let error = error as? DatabaseError else {
            return NexusError(.databaseFailed, "could not \(action) in the Nexus database (\(location)): \(error)")
        }
        let reason = error.message ?? "\(error.resultCode)"
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return NexusError(.databaseUnavailable, "could not \(action): the Nexus database at \(location) is damaged (\(reason)); move it aside and Nexus will create a new one")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return NexusError(.databaseFailed, "could not \(action): the Nexus database at \(location) is locked by another process; try again")
        case .SQLITE_FULL:
            return NexusError(.databaseFailed, "could not \(action): the disk holding \(location) is full; free some space and try again")
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN:
            return NexusError(.databaseFailed, "could not \(action): the Nexus database at \(location) is not writable (\(reason)); check its permissions")
        default:
            return NexusError(.databaseFailed, "could not \(action) in the Nexus database (\(location)): \(reason)")
        }
    }
}
