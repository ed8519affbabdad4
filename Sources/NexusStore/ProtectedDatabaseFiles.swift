#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NexusCore
import Synchronization

/// Nexus's own database files, which `database_query` never opens, whatever a policy lists: its
/// keys, runs and ledger are not the model's to read, and a second connection with other
/// settings could damage them.
///
/// Files are told apart by identity (device and inode), so a hard link or a symbolic link to
/// `nexus.db` is refused as the file itself; the journal files beside it (`-wal`, `-shm`,
/// `-journal`) are refused by name and identity too.
public enum ProtectedDatabaseFiles {
    private struct Identity: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    /// The protected files by path; their identities are taken afresh at each check, so a file
    /// deleted since (whose inode another file may now reuse) protects nothing.
    private static let protected = Mutex<Set<String>>([])

    static let journalSuffixes = ["", "-wal", "-shm", "-journal"]

    /// Adds a database file (NexusDatabase does so when it opens one).
    public static func protect(path: String) {
        _ = protected.withLock { $0.insert(path) }
    }

    /// Whether `path` (links followed) is one of the protected files, or a journal beside one.
    public static func isProtected(_ path: String) -> Bool {
        guard let wanted = identity(of: path) else { return false }
        let paths = protected.withLock { $0 }
        return paths.contains { protectedPath in
            journalSuffixes.contains { identity(of: protectedPath + $0) == wanted }
        }
    }

    /// Throws when `path` is a protected file.
    /// - Throws: `NexusError(.databaseStatementRefused)` naming the path.
    public static func refuse(_ path: String) throws {
        if isProtected(path) {
            throw NexusError(.databaseStatementRefused, "\(path) is Nexus's own database, which database_query never opens; query a copy of the data instead")
        }
    }

    private static func identity(of path: String) -> Identity? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return Identity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
    }
}
