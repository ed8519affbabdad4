#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Paths as arrays of components, normalized without touching the file system.
///
/// `..` is resolved lexically (as Go's `filepath.Clean` does). That is safe here because nothing is
/// opened by this string: the normalized components are then opened one by one from a root's
/// directory descriptor without following any link, so a component that is a link is refused rather
/// than resolved, and `..` can never climb out of what was opened.
enum PathLexer {
    /// The normalized components of `path`, taken relative to `base` when it is not absolute.
    static func resolve(_ path: String, against base: [String]) -> [String] {
        var components = path.hasPrefix("/") ? [] : base
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !components.isEmpty { components.removeLast() }
            default: components.append(String(part))
            }
        }
        return components
    }

    /// `/a/b` for `["a", "b"]`, `/` for none.
    static func join(_ components: some Sequence<String>) -> String {
        "/" + components.joined(separator: "/")
    }

    /// The canonical absolute path (links resolved) of an existing path, or nil.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The current directory's components, for a workspace given as a relative URL.
    static func currentDirectory() -> [String] {
        guard let cwd = getcwd(nil, 0) else { return [] }
        defer { free(cwd) }
        return resolve(String(cString: cwd), against: [])
    }
}

/// One readable or writable root of a policy, opened once and resolved beneath from then on.
///
/// A root is pinned when the run starts (or, outside a run, when a ``WorkspacePath`` is made): its
/// directory is opened and that descriptor is what every later walk starts from, so replacing the
/// root by a symbolic link (or renaming it away) afterwards moves nothing. How it is opened:
///
/// - A root beneath the workspace, or beneath a writable root, lies where the run itself can
///   create links (a command, a script, an archive). It is opened from that anchor's descriptor
///   one component at a time, never following a link: a root that is (or goes through) a link
///   there cannot be used, and the user is told to name the link's target in the policy instead.
/// - Any other root is the user's own setting, outside everything the run can change: links in its
///   path are followed once, here.
///
/// A root that does not exist yet is pinned at its deepest existing folder; the missing components
/// (``tail``) are then walked, or created on a write with `createParents`, without following links.
struct PathRoot: Sendable {
    /// The root as the policy states it, for messages.
    let declared: String
    /// Its absolute components, normalized lexically (links in it not resolved).
    let lexical: [String]
    /// Its absolute components with the user's links resolved (as far as the root exists).
    let canonical: [String]
    /// The folder opened once that walks start from: the root itself, the folder holding a file
    /// root, or the deepest existing folder of a root that does not exist yet. Nil when the root
    /// cannot be used (``problem`` says why).
    let base: SafeFileDescriptor?
    /// The components from `base` down to the root: empty for a directory root, the file name for
    /// a file root, the missing components for a root that does not exist yet.
    let tail: [String]
    /// Whether the root is an existing file (which then is the only path beneath it).
    let isFile: Bool
    /// Why the root cannot be used, when ``base`` is nil.
    let problem: String?

    /// Whether the root exists as a folder opened by its descriptor (and so can anchor other roots).
    var isPinnedDirectory: Bool { base != nil && tail.isEmpty && !isFile }

    /// Opens a root, beneath the nearest anchor that holds it when there is one.
    /// - Parameters:
    ///   - declared: The root as the policy states it.
    ///   - workspace: The workspace's absolute components.
    ///   - anchors: Opened folders the run can change the inside of (the workspace, writable roots).
    init(declared: String, workspace: [String], anchors: [PathRoot]) {
        let lexical = PathLexer.resolve(Self.expandingHome(declared), against: workspace)
        // The anchor holding the root as written, else the one holding where the user's links lead.
        if let (anchor, rest) = Self.anchor(holding: lexical, among: anchors) {
            self = Self.beneath(anchor, rest: rest, declared: declared, lexical: lexical)
            return
        }
        let (real, missing) = Self.deepestExisting(lexical)
        if let real, let (anchor, rest) = Self.anchor(holding: real, among: anchors) {
            self = Self.beneath(anchor, rest: rest + missing, declared: declared, lexical: lexical)
            return
        }
        self = Self.byName(real: real, missing: missing, declared: declared, lexical: lexical)
    }

    private init(declared: String, lexical: [String], canonical: [String], base: SafeFileDescriptor?, tail: [String],
                 isFile: Bool, problem: String?) {
        self.declared = declared
        self.lexical = lexical
        self.canonical = canonical
        self.base = base
        self.tail = tail
        self.isFile = isFile
        self.problem = problem
    }

    /// The workspace itself, opened by name (the user's or the server's own setting).
    static func workspace(_ components: [String]) -> PathRoot {
        let (real, missing) = deepestExisting(components)
        return byName(real: real, missing: missing, declared: ".", lexical: components)
    }

    /// The most specific anchor whose path (as written or canonical) holds `components`, and the rest.
    private static func anchor(holding components: [String], among anchors: [PathRoot]) -> (PathRoot, [String])? {
        var best: (PathRoot, [String], Int)?
        for anchor in anchors where anchor.isPinnedDirectory {
            for form in [anchor.lexical, anchor.canonical] where components.starts(with: form) {
                if form.count > (best?.2 ?? -1) { best = (anchor, Array(components.dropFirst(form.count)), form.count) }
            }
        }
        return best.map { ($0.0, $0.1) }
    }

    /// Opens `rest` from the anchor's descriptor one component at a time, following no link.
    private static func beneath(_ anchor: PathRoot, rest: [String], declared: String, lexical: [String]) -> PathRoot {
        guard var current = anchor.base else { preconditionFailure("anchors are pinned folders") }
        var reached = anchor.canonical
        func unusable(_ reason: String) -> PathRoot {
            PathRoot(declared: declared, lexical: lexical, canonical: lexical, base: nil, tail: [], isFile: false, problem: reason)
        }
        for (index, name) in rest.enumerated() {
            var status = stat()
            guard fstatat(current.raw, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else {
                guard errno == ENOENT else {
                    return unusable("\(PathLexer.join(reached + [name])) cannot be opened (\(String(cString: strerror(errno))))")
                }
                let missing = Array(rest[index...])
                return PathRoot(declared: declared, lexical: lexical, canonical: reached + missing, base: current, tail: missing,
                                isFile: false, problem: nil)
            }
            switch FileStatus.Kind(status) {
            case .directory:
                let fd = openat(current.raw, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard fd >= 0 else {
                    return unusable("\(PathLexer.join(reached + [name])) cannot be opened (\(String(cString: strerror(errno))))")
                }
                current = SafeFileDescriptor(fd)
                reached.append(name)
            case .file where index == rest.count - 1:
                return PathRoot(declared: declared, lexical: lexical, canonical: reached + [name], base: current, tail: [name],
                                isFile: true, problem: nil)
            case .symbolicLink:
                return unusable("\(PathLexer.join(reached + [name])) is a symbolic link inside \(PathLexer.join(anchor.canonical)), where the run itself can make links, so it is not followed; name the folder it points to in the policy instead")
            default:
                return unusable("\(PathLexer.join(reached + [name])) is not a folder")
            }
        }
        return PathRoot(declared: declared, lexical: lexical, canonical: reached, base: current, tail: [], isFile: false, problem: nil)
    }

    /// The canonical components of the deepest existing ancestor (links followed), and the rest.
    private static func deepestExisting(_ lexical: [String]) -> (real: [String]?, missing: [String]) {
        var existing = lexical
        var missing: [String] = []
        while true {
            if let real = PathLexer.realPath(PathLexer.join(existing)) {
                return (PathLexer.resolve(real, against: []), missing)
            }
            if existing.isEmpty { return (nil, missing) }
            missing.insert(existing.removeLast(), at: 0)
        }
    }

    /// Opens a root the user named outside every anchor: its own links are followed, once.
    private static func byName(real: [String]?, missing: [String], declared: String, lexical: [String]) -> PathRoot {
        let realComponents = real ?? []
        let path = PathLexer.join(realComponents)
        var status = stat()
        let isDirectory = stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
        let folder: [String]
        let tail: [String]
        let isFile: Bool
        if isDirectory || realComponents.isEmpty {
            (folder, tail, isFile) = (realComponents, missing, false)
        } else {
            // A file root (or a file where a folder of the root should be: walks then fail with
            // "not a directory").
            (folder, tail, isFile) = (Array(realComponents.dropLast()), [realComponents.last!] + missing, missing.isEmpty)
        }
        let fd = open(PathLexer.join(folder), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            return PathRoot(declared: declared, lexical: lexical, canonical: lexical, base: nil, tail: [], isFile: false,
                            problem: "\(PathLexer.join(folder)) cannot be opened (\(String(cString: strerror(errno))))")
        }
        return PathRoot(declared: declared, lexical: lexical, canonical: realComponents + missing, base: SafeFileDescriptor(fd),
                        tail: tail, isFile: isFile, problem: nil)
    }

    /// `~` and `~/x` as the user's home directory, as a shell would for a policy the user wrote.
    static func expandingHome(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/"), let home = getenv("HOME") else { return path }
        return String(cString: home) + path.dropFirst()
    }
}
