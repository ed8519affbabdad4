#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
public import Foundation
public import NexusCore

/// Reads, writes, lists and inspects files for in-process tools, strictly beneath the policy's roots.
///
/// A path the model gives (relative to the workspace, or absolute) is allowed for reading when it lies
/// beneath one of the policy's `readablePaths`, and for writing when it lies beneath one of its
/// `writablePaths`. Containment is not decided by comparing strings: the path is opened component by
/// component from the root's directory descriptor (`openat` with `O_NOFOLLOW | O_DIRECTORY`, or one
/// `openat2` with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS` where available), so
/// what is opened is beneath the root even if the tree changes meanwhile. The rules:
///
/// - `..` is resolved lexically first; a path whose `..` climbs above every root is outside them.
/// - No symbolic link is followed, anywhere in the path, the last component included. A link is a
///   ``PathRefusal`` (`/proc` magic links such as `/proc/self/root` are named as such).
/// - **A regular file with more than one hard link is neither read nor written** (``PathRefusal``
///   with reason `.hardLink`). A hard link is indistinguishable from the original, so one planted in
///   the workspace (by a command, an archive, a checkout) could be a second name for `/etc/shadow` or
///   a key outside every root. The exception is a file that is itself a root of the policy: the user
///   named it. Listing and `stat` show such files with their link count.
/// - Each root is opened once (when the run starts) and every path is opened from that descriptor,
///   so a root replaced by a link later moves nothing. Links in a root's own path are followed only
///   outside the workspace and the writable roots (the user's own settings, not something the run
///   could have made); see ``PathRoot``. A root that does not exist yet is created on a write with
///   `createParents`, beneath its deepest existing folder and without following links.
///
/// Writes are atomic: the contents go to a temporary file in the same directory, which then replaces
/// the target with `renameat` (or takes a new name with `linkat`, which fails if the name exists).
/// Appends write in place with `O_APPEND` after checking the opened file.
///
/// Failures that are not the policy's doing (a missing file, a directory where a file was expected,
/// a full disk) throw `NexusError` with code `ioError` and a message naming the path.
public struct WorkspacePath: Sendable {
    /// What a path is wanted for.
    public enum Access: String, Sendable, Hashable {
        /// Reading, listing, searching, `stat`: needs a readable root.
        case read
        /// Creating, changing: needs a writable root.
        case write
    }

    /// How directories beneath a root are opened.
    public enum Resolution: String, Sendable, Hashable, CaseIterable {
        /// `openat2` when the kernel offers it, otherwise the component walk.
        case automatic
        /// Always one `openat(O_NOFOLLOW)` per component.
        case componentWalk
    }

    /// How ``write(path:contents:mode:createParents:)`` treats an existing file.
    public enum WriteMode: String, Sendable, Hashable, CaseIterable {
        /// Only a new file; an existing one is an error.
        case create
        /// Replace the file, or create it.
        case overwrite
        /// Add to the end of the file, or create it.
        case append
    }

    /// The workspace's absolute path, as components.
    let workspace: [String]
    let readableRoots: [PathRoot]
    let writableRoots: [PathRoot]
    let policy: CapabilityPolicy
    let resolution: Resolution

    /// Opens the policy's roots now (each once; see ``PathRoot`` for which links are followed).
    /// - Parameters:
    ///   - workspace: The folder relative paths resolve against.
    ///   - policy: Supplies `readablePaths` and `writablePaths` (relative ones are relative to `workspace`).
    ///   - resolution: `.automatic` unless a test wants the component walk alone.
    public init(workspace: URL, policy: CapabilityPolicy, resolution: Resolution = .automatic) {
        let components = PolicyRoots.components(of: workspace)
        self.init(roots: PolicyRoots(workspace: components, anchor: .workspace(components), policy: policy), policy: policy,
                  resolution: resolution)
    }

    /// The paths of a tool call's context: the roots its run opened when it started (or when it
    /// first asked), so that a root swapped for a link during the run moves nothing.
    public init(_ context: ToolContext, resolution: Resolution = .automatic) {
        self.init(roots: PolicyRoots.of(context), policy: context.policy, resolution: resolution)
    }

    init(roots: PolicyRoots, policy: CapabilityPolicy, resolution: Resolution) {
        workspace = roots.workspace
        readableRoots = roots.readable
        writableRoots = roots.writable
        self.policy = policy
        self.resolution = resolution
    }

    /// Opens the roots of a run's policy now, before any of its tools runs, and keeps them in
    /// `context.resources` for every later call (nothing happens without resources).
    public static func pinRoots(of context: ToolContext) {
        guard context.resources != nil else { return }
        _ = PolicyRoots.of(context)
    }

    // MARK: - Operations

    /// Reads up to `maxBytes` of a regular file beneath a readable root.
    /// - Parameters:
    ///   - path: Relative to the workspace, or absolute.
    ///   - offset: The byte to start at.
    ///   - maxBytes: Most bytes to return.
    /// - Throws: ``PathRefusal``, or `NexusError(.ioError)` (missing, a directory, not a regular file).
    public func read(path: String, offset: Int = 0, maxBytes: Int) throws -> FileContents {
        try file(path, for: .read).read(offset: offset, maxBytes: maxBytes)
    }

    /// Writes a regular file beneath a writable root, atomically unless appending.
    /// - Parameters:
    ///   - path: Relative to the workspace, or absolute.
    ///   - contents: The bytes to write.
    ///   - mode: Whether an existing file is an error, replaced, or appended to.
    ///   - createParents: Create missing directories between the root and the file.
    /// - Throws: ``PathRefusal``, or `NexusError(.ioError)` (exists in `.create` mode, missing parent, disk full).
    @discardableResult
    public func write(path: String, contents: [UInt8], mode: WriteMode, createParents: Bool = false) throws -> WriteOutcome {
        try file(path, for: .write).write(contents, mode: mode, createParents: createParents)
    }

    /// Lists a directory beneath a readable root, sorted by name, depth first when recursive.
    ///
    /// Links are listed as links and not entered. Recursion stops at `maxEntries` entries (the listing
    /// then says it is incomplete) and does not enter directories whose name is in `notDescending`.
    /// - Throws: ``PathRefusal``, or `NexusError(.ioError)` (missing, a file).
    public func list(path: String, recursive: Bool = false, maxEntries: Int, notDescending: Set<String> = []) throws -> DirectoryListing {
        try file(path, for: .read).list(recursive: recursive, maxEntries: maxEntries, notDescending: notDescending)
    }

    /// What is at a path beneath a readable root, without following a link there.
    /// - Throws: ``PathRefusal``, or `NexusError(.ioError)` (missing).
    public func stat(path: String) throws -> FileStatus {
        try file(path, for: .read).status()
    }

    /// Creates a directory beneath a writable root, with every missing directory above it.
    /// - Returns: Whether the directory is new (false when it already existed).
    /// - Throws: ``PathRefusal``, or `NexusError(.ioError)` (a file is in the way).
    @discardableResult
    public func makeDirectory(path: String) throws -> Bool {
        try file(path, for: .write).makeDirectory()
    }

    /// Renames a file or directory; both paths must lie beneath writable roots. Missing folders
    /// above `destination` are created; an existing `destination` is not replaced.
    /// - Throws: ``PathRefusal``, or `NexusError(.ioError)` (missing source, existing destination).
    public func move(from source: String, to destination: String) throws {
        try file(source, for: .write).move(to: file(destination, for: .write))
    }

    /// Deletes a file, link or folder beneath a writable root; a folder with entries only when
    /// `recursive`. Links are removed, never followed.
    /// - Returns: How many entries were removed.
    /// - Throws: ``PathRefusal``, or `NexusError(.ioError)` (missing, a folder with entries, a root).
    @discardableResult
    public func remove(path: String, recursive: Bool) throws -> Int {
        try file(path, for: .write).remove(recursive: recursive)
    }

    /// The absolute, lexically normalized form of a path (no file system access), for messages.
    public func absolute(_ path: String) -> String {
        PathLexer.join(PathLexer.resolve(path, against: workspace))
    }

    // MARK: - Resolution

    func file(_ path: String, for access: Access) throws -> SafeFile {
        SafeFile(target: try resolve(path, for: access), useOpenat2: resolution == .automatic)
    }

    /// Finds the root a path lies beneath (the most specific one) and the components below its base.
    func resolve(_ given: String, for access: Access) throws -> ResolvedPath {
        let declared = access == .read ? policy.readablePaths : policy.writablePaths
        guard !given.utf8.contains(0) else {
            throw NexusError(.ioError, "the path \(given.debugDescription) contains a NUL character")
        }
        let path = given.trimmingCharacters(in: .whitespaces).isEmpty ? "." : given
        let absolute = PathLexer.resolve(path, against: workspace)
        var best: (root: PathRoot, base: SafeFileDescriptor, matched: [String])?
        var unusable: PathRoot?
        for root in access == .read ? readableRoots : writableRoots {
            for form in [root.lexical, root.canonical] where absolute.starts(with: form) {
                guard let base = root.base else {
                    unusable = root
                    continue
                }
                if form.count > (best?.matched.count ?? -1) { best = (root, base, form) }
            }
        }
        guard let (root, base, matched) = best else {
            var shown = given
            if given.split(separator: "/").contains("..") {
                shown += " (\(PathLexer.join(absolute)))"
            }
            if let unusable, let problem = unusable.problem {
                throw PathRefusal(path: shown, access: access, reason: .unusableRoot(root: unusable.declared, problem: problem), roots: declared)
            }
            throw PathRefusal(path: shown, access: access, reason: .outsideRoots, roots: declared)
        }
        let rest = Array(absolute.dropFirst(matched.count))
        return ResolvedPath(
            given: given, access: access, roots: declared, base: base, components: root.tail + rest,
            displayPrefix: Array(matched.dropLast(root.tail.count)), workspace: workspace,
            isExemptFromLinkCount: root.isFile && rest.isEmpty
        )
    }
}

/// A path matched to a root: where walks start and what to open from there, plus what messages need.
struct ResolvedPath {
    let given: String
    let access: WorkspacePath.Access
    let roots: [String]
    /// The root's folder, opened once when the roots were pinned.
    let base: SafeFileDescriptor
    /// The components to open from `base`, none being `.` or `..`.
    let components: [String]
    /// `base` in the form the path was matched in (lexical or canonical), for messages.
    let displayPrefix: [String]
    let workspace: [String]
    /// A file root named exactly: the user chose it, so its link count does not matter.
    let isExemptFromLinkCount: Bool

    /// The path of `components[0...index]` as the model would write it: relative when in the workspace.
    func display(through index: Int) -> String {
        let absolute = displayPrefix + components.prefix(index + 1)
        if absolute.starts(with: workspace) {
            let relative = absolute.dropFirst(workspace.count)
            return relative.isEmpty ? "." : relative.joined(separator: "/")
        }
        return PathLexer.join(absolute)
    }

    func refusal(_ reason: PathRefusal.Reason) -> PathRefusal {
        PathRefusal(path: given, access: access, reason: reason, roots: roots)
    }

    func failure(_ message: String) -> NexusError {
        NexusError(.ioError, message)
    }

    /// An error from `errno`, naming the path.
    func ioFailure(_ code: Int32, path: String? = nil) -> NexusError {
        let name = path ?? given
        let reason: String
        switch code {
        case ENOENT: reason = "no such file or directory: \(name)"
        case ENOTDIR: reason = "a component of \(name) is not a directory"
        case EISDIR: reason = "\(name) is a directory"
        case EACCES, EPERM: reason = "the operating system denies access to \(name)"
        case ENOSPC, EDQUOT: reason = "no space left to write \(name)"
        case EROFS: reason = "\(name) is on a read-only file system"
        case ENAMETOOLONG: reason = "a name in \(name) is too long"
        case ELOOP: reason = "\(name) is a symbolic link, and file tools never follow links"
        default: reason = "\(name): \(String(cString: strerror(code)))"
        }
        return NexusError(.ioError, reason)
    }
}

/// Bytes read from a file.
public struct FileContents: Sendable, Hashable {
    public var bytes: [UInt8]
    /// The byte offset `bytes` starts at.
    public var offset: Int
    /// The file's whole size in bytes.
    public var fileSize: Int
    /// Whether `bytes` reach the end of the file.
    public var reachesEnd: Bool { offset + bytes.count >= fileSize }

    public init(bytes: [UInt8], offset: Int, fileSize: Int) {
        self.bytes = bytes
        self.offset = offset
        self.fileSize = fileSize
    }
}

/// What a write did.
public struct WriteOutcome: Sendable, Hashable {
    public var bytesWritten: Int
    /// Whether the file is new.
    public var created: Bool

    public init(bytesWritten: Int, created: Bool) {
        self.bytesWritten = bytesWritten
        self.created = created
    }
}

/// The entries of a directory.
public struct DirectoryListing: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        /// Relative to the listed directory, `/`-separated.
        public var path: String
        public var status: FileStatus

        public init(path: String, status: FileStatus) {
            self.path = path
            self.status = status
        }
    }

    public var entries: [Entry]
    /// False when the listing stopped at its entry limit or depth limit.
    public var isComplete: Bool

    public init(entries: [Entry], isComplete: Bool) {
        self.entries = entries
        self.isComplete = isComplete
    }
}

/// What is at a path (links not followed).
public struct FileStatus: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case file, directory, symbolicLink, other
    }

    public var kind: Kind
    public var size: Int
    public var linkCount: Int
    /// Permission bits, like 0o644.
    public var permissions: Int
    public var modified: Date

    public init(kind: Kind, size: Int, linkCount: Int, permissions: Int, modified: Date) {
        self.kind = kind
        self.size = size
        self.linkCount = linkCount
        self.permissions = permissions
        self.modified = modified
    }

    init(_ status: stat) {
        #if canImport(Darwin)
        let time = status.st_mtimespec
        #else
        let time = status.st_mtim
        #endif
        self.init(kind: Kind(status), size: Int(status.st_size), linkCount: Int(status.st_nlink),
                  permissions: Int(status.st_mode & 0o7777),
                  modified: Date(timeIntervalSince1970: Double(time.tv_sec) + Double(time.tv_nsec) / 1e9))
    }
}
