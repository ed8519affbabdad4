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

/// One readable or writable root of a policy, prepared for resolving paths beneath it.
///
/// The user's roots are trusted as written: links in a root's own path are resolved once, here.
/// Everything beneath the root is opened from `base` without following links.
struct PathRoot: Sendable {
    /// The root as the policy states it, for messages.
    let declared: String
    /// Its absolute components, normalized lexically (links in it not resolved).
    let lexical: [String]
    /// Its absolute components with links resolved (as far as the root exists).
    let canonical: [String]
    /// The existing directory that walks start from: the root itself, or for a file root or a root
    /// that does not exist yet, its nearest existing ancestor (links resolved).
    let base: String
    /// The components from `base` down to the root: empty for a directory root, the file name for
    /// a file root, the missing components for a root that does not exist yet.
    let tail: [String]
    /// Whether the root is an existing file (which then is the only path beneath it).
    let isFile: Bool

    init(declared: String, workspace: [String]) {
        self.declared = declared
        let lexical = PathLexer.resolve(Self.expandingHome(declared), against: workspace)
        self.lexical = lexical
        var existing = lexical
        var missing: [String] = []
        while true {
            if let real = PathLexer.realPath(PathLexer.join(existing)) {
                let realComponents = PathLexer.resolve(real, against: [])
                var status = stat()
                let isDirectory = stat(real, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
                if isDirectory || realComponents.isEmpty {
                    base = real
                    tail = missing
                    isFile = false
                } else {
                    // A file root (or a file where a directory of the root should be: walks then fail
                    // with "not a directory").
                    base = PathLexer.join(realComponents.dropLast())
                    tail = [realComponents.last!] + missing
                    isFile = missing.isEmpty
                }
                canonical = realComponents + missing
                return
            }
            if existing.isEmpty {
                base = "/"
                tail = missing
                canonical = missing
                isFile = false
                return
            }
            missing.insert(existing.removeLast(), at: 0)
        }
    }

    /// `~` and `~/x` as the user's home directory, as a shell would for a policy the user wrote.
    static func expandingHome(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/"), let home = getenv("HOME") else { return path }
        return String(cString: home) + path.dropFirst()
    }
}
