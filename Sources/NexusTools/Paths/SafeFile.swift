#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NexusCore
import Synchronization

/// An open file descriptor, closed when the last reference goes away. A pinned root's descriptor
/// is shared by every call of a run (and threads): use it only through `*at` calls, never its offset.
final class SafeFileDescriptor: Sendable {
    let raw: Int32

    init(_ raw: Int32) {
        self.raw = raw
    }

    deinit {
        close(raw)
    }
}

/// File operations on one resolved path, done through descriptors so that no link is ever followed.
///
/// Every directory between the root and the target is opened with `openat(O_NOFOLLOW | O_DIRECTORY)`
/// from the one before it (or all at once with `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
/// RESOLVE_NO_MAGICLINKS)` where the kernel offers it); the target itself is looked at with
/// `fstatat(AT_SYMLINK_NOFOLLOW)` and opened with `O_NOFOLLOW`, and what was opened is checked again
/// on the descriptor. A link anywhere is a ``PathRefusal``; so is a regular file with more than one
/// hard link (see ``WorkspacePath``).
struct SafeFile {
    let target: ResolvedPath
    let useOpenat2: Bool

    // MARK: - Operations

    func read(offset: Int, maxBytes: Int) throws -> FileContents {
        let (directory, name) = try openParent(create: false)
        guard let name else { throw target.failure("\(target.given) is a directory, not a file") }
        let before = try inspect(name, in: directory, index: target.components.count - 1)
        try checkReadableFile(before)
        let fd = openat(directory.raw, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw classify(errno, name: name, in: directory, index: target.components.count - 1) }
        let file = SafeFileDescriptor(fd)
        var status = stat()
        guard fstat(file.raw, &status) == 0 else { throw target.ioFailure(errno) }
        guard status.st_dev == before.st_dev, status.st_ino == before.st_ino else {
            throw target.failure("\(target.given) changed while it was being opened; try again")
        }
        try checkReadableFile(status)

        // Read to the end or to maxBytes, whatever st_size says (procfs files report 0).
        let start = max(0, offset)
        let limit = max(0, maxBytes)
        var bytes = [UInt8](repeating: 0, count: min(limit, max(Int(status.st_size) - start, 0) + 1, 1 << 16))
        var filled = 0
        while filled < limit {
            if filled == bytes.count { bytes += [UInt8](repeating: 0, count: min(limit - filled, max(bytes.count, 1 << 16))) }
            let count = bytes.withUnsafeMutableBytes { buffer in
                pread(file.raw, buffer.baseAddress! + filled, buffer.count - filled, off_t(start + filled))
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw target.ioFailure(errno)
            }
            if count == 0 { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        var size = max(Int(status.st_size), start + filled)
        if filled == limit, size == start + filled {
            // Full buffer, file claims to end here: one more byte says whether it really does.
            var probe: UInt8 = 0
            if pread(file.raw, &probe, 1, off_t(start + filled)) == 1 { size += 1 }
        }
        return FileContents(bytes: bytes, offset: start, fileSize: size)
    }

    func write(_ contents: [UInt8], mode: WorkspacePath.WriteMode, createParents: Bool) throws -> WriteOutcome {
        let (directory, name) = try openParent(create: createParents)
        guard let name else { throw target.failure("\(target.given) is a directory; give a file path to write") }
        let index = target.components.count - 1
        var existing = stat()
        let exists: Bool
        if fstatat(directory.raw, name, &existing, AT_SYMLINK_NOFOLLOW) == 0 {
            exists = true
            try checkWritableFile(existing, index: index)
        } else if errno == ENOENT {
            exists = false
        } else {
            throw target.ioFailure(errno)
        }

        switch (mode, exists) {
        case (.create, true):
            throw target.failure("\(target.given) already exists; use mode \"overwrite\" to replace it or \"append\" to add to it")
        case (.append, true):
            try append(contents, to: name, in: directory, index: index)
            return WriteOutcome(bytesWritten: contents.count, created: false)
        case (.overwrite, true):
            try writeReplacing(contents, name: name, in: directory, permissions: mode_t(existing.st_mode) & 0o777, replace: true)
            return WriteOutcome(bytesWritten: contents.count, created: false)
        case (_, false):
            try writeReplacing(contents, name: name, in: directory, permissions: 0o644, replace: mode == .overwrite)
            return WriteOutcome(bytesWritten: contents.count, created: true)
        }
    }

    func list(recursive: Bool, maxEntries: Int, notDescending: Set<String>) throws -> DirectoryListing {
        let (parent, name) = try openParent(create: false)
        let directory: SafeFileDescriptor
        if let name {
            let index = target.components.count - 1
            let status = try inspect(name, in: parent, index: index)
            guard FileStatus.Kind(status) == .directory else {
                throw target.failure("\(target.given) is a file, not a folder: read it with filesystem_read")
            }
            let fd = openat(parent.raw, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw classify(errno, name: name, in: parent, index: index) }
            directory = SafeFileDescriptor(fd)
        } else {
            directory = parent
        }
        var listing = DirectoryListing(entries: [], isComplete: true)
        try walk(directory, prefix: "", depth: 0, recursive: recursive, maxEntries: max(0, maxEntries),
                 notDescending: notDescending, into: &listing)
        return listing
    }

    func status() throws -> FileStatus {
        let (parent, name) = try openParent(create: false)
        var status = stat()
        if let name {
            // A link is reported as a link (like the listing does), never followed.
            guard fstatat(parent.raw, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { throw target.ioFailure(errno) }
        } else if fstat(parent.raw, &status) != 0 {
            throw target.ioFailure(errno)
        }
        return FileStatus(status)
    }

    // MARK: - Resolution

    /// The directory holding the target, and the target's name in it; no name when the target is
    /// the root directory itself.
    func openParent(create: Bool) throws -> (SafeFileDescriptor, String?) {
        let components = target.components
        if components.isEmpty { return (try openBase(), nil) }
        return (try openDirectory(count: components.count - 1, create: create), components.last!)
    }

    /// The root's folder, opened once when the roots were pinned: never opened again by name.
    private func openBase() throws -> SafeFileDescriptor {
        target.base
    }

    /// Opens the directory the first `count` components lead to, creating missing ones when asked.
    private func openDirectory(count: Int, create: Bool) throws -> SafeFileDescriptor {
        let base = try openBase()
        if count == 0 { return base }
        #if os(Linux)
        if useOpenat2, !create,
           let fd = Openat2.openDirectory(beneath: base.raw, target.components[0..<count].joined(separator: "/")) {
            return SafeFileDescriptor(fd)
        }
        #endif
        // The component walk: also the fallback that explains exactly why openat2 failed.
        var current = base
        for index in 0..<count {
            let name = target.components[index]
            var fd = openat(current.raw, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if fd < 0, errno == ENOENT, create {
                if mkdirat(current.raw, name, 0o755) != 0, errno != EEXIST {
                    throw target.ioFailure(errno, path: target.display(through: index))
                }
                fd = openat(current.raw, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            guard fd >= 0 else { throw classify(errno, name: name, in: current, index: index, wantDirectory: true) }
            current = SafeFileDescriptor(fd)
        }
        return current
    }

    /// `lstat` of one component: a link is refused, a missing entry is a clear error.
    func inspect(_ name: String, in directory: SafeFileDescriptor, index: Int) throws -> stat {
        var status = stat()
        guard fstatat(directory.raw, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
            throw target.ioFailure(errno, path: target.display(through: index))
        }
        if FileStatus.Kind(status) == .symbolicLink {
            throw linkRefusal(in: directory, index: index)
        }
        return status
    }

    /// Turns a failed `openat` of one component into a refusal (it is a link) or a clear error.
    private func classify(_ code: Int32, name: String, in directory: SafeFileDescriptor, index: Int, wantDirectory: Bool = false) -> any Error {
        var status = stat()
        guard fstatat(directory.raw, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
            return target.ioFailure(errno, path: target.display(through: index))
        }
        if FileStatus.Kind(status) == .symbolicLink { return linkRefusal(in: directory, index: index) }
        if wantDirectory, FileStatus.Kind(status) != .directory {
            return target.failure("\(target.display(through: index)) is not a directory")
        }
        return target.ioFailure(code, path: target.display(through: index))
    }

    private func linkRefusal(in directory: SafeFileDescriptor, index: Int) -> PathRefusal {
        let component = index == target.components.count - 1 ? target.given : target.display(through: index)
        return target.refusal(Self.isProcFileSystem(directory) ? .magicLink(component: component) : .symbolicLink(component: component))
    }

    /// Whether the directory is on procfs, where links are "magic" (they lead to other processes' files).
    private static func isProcFileSystem(_ directory: SafeFileDescriptor) -> Bool {
        var here = stat()
        var proc = stat()
        return fstat(directory.raw, &here) == 0 && stat("/proc", &proc) == 0 && here.st_dev == proc.st_dev
    }

    // MARK: - Checks

    private func checkReadableFile(_ status: stat) throws {
        switch FileStatus.Kind(status) {
        case .file: break
        case .directory: throw target.failure("\(target.given) is a directory, not a file")
        case .symbolicLink: throw target.refusal(.symbolicLink(component: target.given))
        case .other: throw target.failure("\(target.given) is not a regular file (a device, socket or pipe), so it is not read")
        }
        if status.st_nlink > 1, !target.isExemptFromLinkCount {
            throw target.refusal(.hardLink(linkCount: Int(status.st_nlink)))
        }
    }

    private func checkWritableFile(_ status: stat, index: Int) throws {
        switch FileStatus.Kind(status) {
        case .file: break
        case .directory: throw target.failure("\(target.given) is a directory; give a file path to write")
        case .symbolicLink: throw target.refusal(.symbolicLink(component: target.given))
        case .other: throw target.failure("\(target.given) is not a regular file (a device, socket or pipe), so it is not written")
        }
        if status.st_nlink > 1, !target.isExemptFromLinkCount {
            throw target.refusal(.hardLink(linkCount: Int(status.st_nlink)))
        }
    }

    // MARK: - Writing

    /// Writes a temporary file in the same directory, then moves it into place: `renameat` to replace,
    /// `linkat` (which fails if the name exists) to create. Readers see the old or the new file, never half.
    private func writeReplacing(_ contents: [UInt8], name: String, in directory: SafeFileDescriptor, permissions: mode_t, replace: Bool) throws {
        let temporary = ".nexus-write-\(String(UInt64.random(in: 0...UInt64.max), radix: 16)).tmp"
        let fd = openat(directory.raw, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw target.ioFailure(errno) }
        var placed = false
        defer { if !placed { unlinkat(directory.raw, temporary, 0) } }
        do {
            let file = SafeFileDescriptor(fd)
            if replace { fchmod(file.raw, permissions) }
            try writeAll(contents, to: file)
            guard fsync(file.raw) == 0 else { throw target.ioFailure(errno) }
        }
        if replace {
            guard renameat(directory.raw, temporary, directory.raw, name) == 0 else { throw target.ioFailure(errno) }
            placed = true
            return
        }
        if linkat(directory.raw, temporary, directory.raw, name, 0) == 0 {
            return  // the deferred unlink removes the temporary name; the file stays under `name`
        }
        switch errno {
        case EEXIST:
            throw target.failure("\(target.given) already exists; use mode \"overwrite\" to replace it or \"append\" to add to it")
        case EPERM, ENOTSUP, EOPNOTSUPP, EMLINK:
            // A file system without hard links: check, then rename (a narrow race, never a followed link).
            var status = stat()
            guard fstatat(directory.raw, name, &status, AT_SYMLINK_NOFOLLOW) != 0, errno == ENOENT else {
                throw target.failure("\(target.given) already exists; use mode \"overwrite\" to replace it or \"append\" to add to it")
            }
            guard renameat(directory.raw, temporary, directory.raw, name) == 0 else { throw target.ioFailure(errno) }
            placed = true
        default:
            throw target.ioFailure(errno)
        }
    }

    /// Appends in place (`O_APPEND`), after checking the opened file itself.
    private func append(_ contents: [UInt8], to name: String, in directory: SafeFileDescriptor, index: Int) throws {
        let fd = openat(directory.raw, name, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw classify(errno, name: name, in: directory, index: index) }
        let file = SafeFileDescriptor(fd)
        var status = stat()
        guard fstat(file.raw, &status) == 0 else { throw target.ioFailure(errno) }
        try checkWritableFile(status, index: index)
        guard Int(status.st_size) + contents.count <= Self.maxFileBytes else {
            throw target.failure("appending \(contents.count) bytes would make \(target.given) larger than \(Self.maxFileBytes >> 20) MiB, the most a file tool writes; write a new file instead")
        }
        try writeAll(contents, to: file)
    }

    /// The largest file the in-process tools make: the bound the sandbox's RLIMIT_FSIZE puts on
    /// the files a command makes, so appends cannot grow one file without end.
    static var maxFileBytes: Int { Sandbox.defaultFileSizeLimit }

    private func writeAll(_ contents: [UInt8], to file: SafeFileDescriptor) throws {
        var written = 0
        while written < contents.count {
            let count = contents.withUnsafeBytes { buffer in
                systemWrite(file.raw, buffer.baseAddress! + written, contents.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw target.ioFailure(errno)
            }
            written += count
        }
    }

    // MARK: - Listing

    /// Deepest level a recursive listing descends to (each level holds one open descriptor).
    static let maximumDepth = 48

    private func walk(_ directory: SafeFileDescriptor, prefix: String, depth: Int, recursive: Bool, maxEntries: Int,
                      notDescending: Set<String>, into listing: inout DirectoryListing) throws {
        for name in try names(in: directory) {
            guard listing.entries.count < maxEntries else {
                listing.isComplete = false
                return
            }
            var status = stat()
            guard fstatat(directory.raw, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { continue }  // gone meanwhile
            let entry = DirectoryListing.Entry(path: prefix + name, status: FileStatus(status))
            listing.entries.append(entry)
            guard recursive, entry.status.kind == .directory, !notDescending.contains(name) else { continue }
            guard depth + 1 < Self.maximumDepth else {
                listing.isComplete = false
                continue
            }
            let fd = openat(directory.raw, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { continue }  // unreadable (or replaced by a link meanwhile): listed, not entered
            try walk(SafeFileDescriptor(fd), prefix: prefix + name + "/", depth: depth + 1, recursive: true,
                     maxEntries: maxEntries, notDescending: notDescending, into: &listing)
        }
    }

    /// The names in a directory (without `.` and `..`), sorted.
    func names(in directory: SafeFileDescriptor) throws -> [String] {
        // A new open file description: a `dup` would share (and move) the offset of a pinned root's
        // descriptor, and the next listing of the root would start at its end.
        let copy = openat(directory.raw, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard copy >= 0, let stream = fdopendir(copy) else {
            let code = errno
            if copy >= 0 { close(copy) }
            throw target.ioFailure(code)
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

/// `write(2)`, named apart from ``SafeFile/write(_:mode:createParents:)``.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, buffer, count)
    #else
    Darwin.write(fd, buffer, count)
    #endif
}

extension FileStatus.Kind {
    init(_ status: stat) {
        switch status.st_mode & S_IFMT {
        case S_IFREG: self = .file
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symbolicLink
        default: self = .other
        }
    }
}

#if os(Linux)
/// `openat2(2)` through `syscall(2)`, which Swift cannot call directly (it is variadic).
enum Openat2 {
    private struct OpenHow {
        var flags: UInt64
        var mode: UInt64
        var resolve: UInt64
    }

    private static let systemCallNumber = 437
    private static let resolveNoMagicLinks: UInt64 = 0x02
    private static let resolveNoSymlinks: UInt64 = 0x04
    private static let resolveBeneath: UInt64 = 0x08

    private typealias SystemCall = @convention(c) (Int, Int32, UnsafePointer<CChar>, UnsafeRawPointer, Int) -> Int

    /// glibc's `syscall`, called through a fixed-argument signature: on Linux (x86-64, AArch64) the
    /// variadic integer arguments travel in the same registers, and glibc's `syscall` only moves them.
    private static let systemCall: SystemCall? = {
        #if arch(x86_64) || arch(arm64)
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "syscall") else { return nil }
        return unsafeBitCast(symbol, to: SystemCall.self)
        #else
        return nil
        #endif
    }()

    /// Set for good the first time the kernel (or a seccomp filter) says openat2 is not there.
    private static let unavailable = Atomic<Bool>(false)

    /// The directory at `relativePath` beneath `directory`, or nil when openat2 is unavailable or
    /// refused (the caller then walks the components to explain why).
    static func openDirectory(beneath directory: Int32, _ relativePath: String) -> Int32? {
        guard !unavailable.load(ordering: .relaxed), let systemCall else { return nil }
        var how = OpenHow(flags: UInt64(O_RDONLY | O_DIRECTORY | O_CLOEXEC), mode: 0,
                          resolve: resolveBeneath | resolveNoSymlinks | resolveNoMagicLinks)
        let result = withUnsafeBytes(of: &how) { buffer in
            relativePath.withCString { path in
                systemCall(systemCallNumber, directory, path, buffer.baseAddress!, MemoryLayout<OpenHow>.size)
            }
        }
        if result >= 0 { return Int32(result) }
        if [ENOSYS, EPERM, E2BIG, EINVAL].contains(errno) { unavailable.store(true, ordering: .relaxed) }
        return nil
    }
}
#endif
