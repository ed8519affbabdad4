public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Small files that are written whole and read by other processes: a signed head, a key. A write
/// goes to a temporary file beside the target and is renamed over it, so a reader sees the old
/// file or the new one, never part of one.
public enum ReplacedFile {
    /// Writes `data` to `url` with `permissions`, replacing what was there.
    /// - Throws: `CocoaError(.fileWriteUnknown)` when it cannot be written; the caller says which
    ///   file it was and what to check.
    public static func write(_ data: Data, to url: URL, permissions: Int) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data, attributes: [.posixPermissions: permissions]) else {
            throw CocoaError(.fileWriteUnknown)
        }
        guard rename(temporary.path, url.path) == 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown)
        }
    }

    /// Runs `body` holding an exclusive lock on the file `lock` (made for the purpose), so that
    /// the read, compare and write of writers in several processes never interleave.
    /// - Throws: `NexusError(.ioError)` when the lock file cannot be opened, and what `body` throws.
    public static func locked<T>(by lock: URL, _ body: () throws -> T) throws -> T {
        let descriptor = open(lock.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw NexusError(.ioError, "cannot lock \(lock.path): \(String(cString: strerror(errno))); check that \(lock.deletingLastPathComponent().path) is writable")
        }
        defer { close(descriptor) }
        flock(descriptor, LOCK_EX)
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}
