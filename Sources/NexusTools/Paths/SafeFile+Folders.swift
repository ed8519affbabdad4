#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NexusCore

extension SafeFile {
    /// Creates the directory and every missing one above it (like `mkdir -p`), never through a link.
    /// - Returns: Whether the directory is new (false when it already existed).
    func makeDirectory() throws -> Bool {
        let (parent, name) = try openParent(create: true)
        guard let name else { return false }  // the root itself, which exists
        if mkdirat(parent.raw, name, 0o755) == 0 { return true }
        let code = errno
        guard code == EEXIST else { throw target.ioFailure(code) }
        let status = try inspect(name, in: parent, index: target.components.count - 1)
        guard FileStatus.Kind(status) == .directory else {
            throw target.failure("\(target.given) already exists and is a file, not a folder")
        }
        return false
    }

    /// Gives the file or directory at this path the name of `destination` (`renameat`); neither
    /// path may go through a link, and an existing destination is not replaced.
    func move(to destination: SafeFile) throws {
        let (sourceParent, sourceName) = try openParent(create: false)
        guard let sourceName else { throw target.failure("\(target.given) is a root of this run's policy and cannot be moved") }
        _ = try inspect(sourceName, in: sourceParent, index: target.components.count - 1)
        let (destinationParent, destinationName) = try destination.openParent(create: true)
        guard let destinationName else {
            throw destination.target.failure("\(destination.target.given) already exists")
        }
        var existing = stat()
        if fstatat(destinationParent.raw, destinationName, &existing, AT_SYMLINK_NOFOLLOW) == 0 {
            throw destination.target.failure("\(destination.target.given) already exists; choose another name or remove it first")
        }
        guard renameat(sourceParent.raw, sourceName, destinationParent.raw, destinationName) == 0 else {
            let code = errno
            if code == EXDEV {
                throw target.failure("\(target.given) and \(destination.target.given) are on different file systems; copy the file instead")
            }
            if code == EINVAL {
                throw target.failure("\(target.given) cannot be moved inside itself")
            }
            throw target.ioFailure(code)
        }
    }
}
