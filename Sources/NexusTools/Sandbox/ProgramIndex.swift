import Glibc
import Synchronization

/// Command names already looked up in PATH folders the sandbox cannot write (`/usr/bin`, ...),
/// remembered while those folders stay as they were: a folder's device, inode and modification
/// time change whenever a program is added, removed or replaced by rename (as package managers
/// do), and then the name is looked up afresh.
final class ProgramIndex: Sendable {
    /// One program a command name resolves to.
    struct Program: Sendable, Hashable {
        var path: String
        /// Its identity for the command list (see `SandboxLayout.identity`).
        var identity: String
        /// Its `#!` interpreter, when it is a script.
        var interpreter: String?
    }

    private struct Key: Hashable {
        var name: String
        var directories: [String]
    }

    private struct Entry {
        var stamps: [FolderStamp?]
        var programs: [Program]
    }

    /// The state of one folder: anything added, removed or renamed in it changes the stamp.
    struct FolderStamp: Hashable, Sendable {
        var device: UInt64
        var inode: UInt64
        var seconds: Int
        var nanoseconds: Int

        init?(_ path: String) {
            var status = stat()
            guard stat(path, &status) == 0 else { return nil }
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
            seconds = status.st_mtim.tv_sec
            nanoseconds = status.st_mtim.tv_nsec
        }
    }

    static let shared = ProgramIndex()
    /// Enough for every command of a few policies; the index starts over beyond it.
    private static let capacity = 1024

    private let entries = Mutex<[Key: Entry]>([:])

    /// The programs `name` resolves to in `directories`, from the index when the folders are
    /// unchanged, else from `lookUp` (and then remembered).
    /// - Parameter stamps: The current ``FolderStamp`` of each of `directories`.
    func programs(named name: String, in directories: [String], stamps: [FolderStamp?], lookUp: () -> [Program]) -> [Program] {
        let key = Key(name: name, directories: directories)
        if let entry = entries.withLock({ $0[key] }), entry.stamps == stamps {
            return entry.programs
        }
        let programs = lookUp()
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll() }
            entries[key] = Entry(stamps: stamps, programs: programs)
        }
        return programs
    }
}
