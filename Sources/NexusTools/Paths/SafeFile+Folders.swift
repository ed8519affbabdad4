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

    /// Removes the file, link or folder at this path (`unlinkat`), never through a link. A folder
    /// that holds anything goes only with `recursive`, its entries depth-first through opened
    /// descriptors: a link inside is removed as a link, never followed. A root of the policy stays.
    /// - Returns: How many entries were removed, the target included.
    func remove(recursive: Bool) throws -> Int {
        let (parent, name) = try openParent(create: false)
        guard let name else { throw target.failure("\(target.given) is a folder this run's policy names; it cannot be deleted") }
        let status = try inspectEntry(name, in: parent)
        guard FileStatus.Kind(status) == .directory else {
            guard unlinkat(parent.raw, name, 0) == 0 else { throw target.ioFailure(errno) }
            return 1
        }
        var removed = 0
        if recursive {
            let fd = openat(parent.raw, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw target.ioFailure(errno) }
            removed = try removeEntries(of: SafeFileDescriptor(fd), depth: 1)
        }
        guard unlinkat(parent.raw, name, AT_REMOVEDIR) == 0 else {
            let code = errno
            if code == ENOTEMPTY || code == EEXIST {
                throw target.failure("\(target.given) is a folder with files in it; give \"recursive\": true to delete it with everything inside")
            }
            throw target.ioFailure(code)
        }
        return removed + 1
    }

    /// `lstat` of the target's own entry; a link is removed as a link, so it is not refused here.
    private func inspectEntry(_ name: String, in parent: SafeFileDescriptor) throws -> stat {
        var status = stat()
        guard fstatat(parent.raw, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { throw target.ioFailure(errno) }
        return status
    }

    private func removeEntries(of directory: SafeFileDescriptor, depth: Int) throws -> Int {
        guard depth < Self.maximumDepth else { throw target.failure("\(target.given) is nested too deep to delete") }
        var removed = 0
        for name in try names(in: directory) {
            var status = stat()
            guard fstatat(directory.raw, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { continue }  // gone meanwhile
            if FileStatus.Kind(status) == .directory {
                let fd = openat(directory.raw, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard fd >= 0 else { throw target.ioFailure(errno) }
                removed += try removeEntries(of: SafeFileDescriptor(fd), depth: depth + 1)
                guard unlinkat(directory.raw, name, AT_REMOVEDIR) == 0 else { throw target.ioFailure(errno) }
            } else {
                guard unlinkat(directory.raw, name, 0) == 0 else { throw target.ioFailure(errno) }
            }
            removed += 1
        }
        return removed
    }
}
