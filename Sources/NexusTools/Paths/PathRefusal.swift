/// A file operation that the capability policy does not allow: the path lies outside the run's
/// readable or writable paths, or reaching it would mean following a link.
///
/// File tools turn it into a `.refused` result whose content is ``message``; it is distinct from
/// a failure such as a missing file (`NexusError` with code `ioError`), which becomes `.error`.
public struct PathRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why the path was refused.
    public enum Reason: Sendable, Hashable {
        /// The path resolves outside every root of the policy for this access.
        case outsideRoots
        /// A component of the path (named here as the model would write it) is a symbolic link.
        case symbolicLink(component: String)
        /// A component of the path is a `/proc` magic link (such as `/proc/self/root`).
        case magicLink(component: String)
        /// The file has more than one hard link; another link may lie outside the policy.
        case hardLink(linkCount: Int)
        /// The path lies beneath a root of the policy that could not be opened when the run
        /// started (it was a symbolic link the run could have made, or could not be opened).
        case unusableRoot(root: String, problem: String)
    }

    /// The path as the model gave it.
    public var path: String
    /// Whether the path was to be read (listed, searched) or written.
    public var access: WorkspacePath.Access
    public var reason: Reason
    /// The policy's roots for this access, as the user wrote them.
    public var roots: [String]

    public init(path: String, access: WorkspacePath.Access, reason: Reason, roots: [String]) {
        self.path = path
        self.access = access
        self.reason = reason
        self.roots = roots
    }

    /// One line naming the path, the reason and the policy, for example
    /// "path /etc/shadow is outside the readable paths of this run (workspace)".
    public var message: String {
        let paths = "the \(access.adjective) paths of this run (\(Self.describe(roots)))"
        switch reason {
        case .outsideRoots:
            return "path \(path) is outside \(paths)"
        case .symbolicLink(let component):
            let subject = component == path ? "it" : component
            return "path \(path) is refused: \(subject) is a symbolic link, and file tools never follow links (\(access.adjective) paths of this run: \(Self.describe(roots)))"
        case .magicLink(let component):
            let subject = component == path ? "it" : component
            return "path \(path) is refused: \(subject) is a /proc magic link, and file tools never follow links (\(access.adjective) paths of this run: \(Self.describe(roots)))"
        case .hardLink(let count):
            return "path \(path) is refused: it is a file with \(count) hard links, and file tools do not \(access.verb) hard-linked files because another link may lie outside \(paths)"
        case .unusableRoot(let root, let problem):
            return "path \(path) is refused: the \(access.adjective) root \(root) of this run cannot be used: \(problem)"
        }
    }

    public var description: String { message }

    /// The roots as a user reads them: `.` is "workspace", `data` is "workspace/data", absolute paths stay.
    static func describe(_ roots: [String]) -> String {
        if roots.isEmpty { return "none" }
        return roots.map { root in
            if root.hasPrefix("/") || root.hasPrefix("~") { return root }
            var relative = Substring(root)
            while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
            while relative.hasSuffix("/") { relative = relative.dropLast() }
            return relative.isEmpty || relative == "." ? "workspace" : "workspace/\(relative)"
        }.joined(separator: ", ")
    }
}

extension WorkspacePath.Access {
    var adjective: String {
        switch self {
        case .read: "readable"
        case .write: "writable"
        }
    }

    var verb: String {
        switch self {
        case .read: "read"
        case .write: "write"
        }
    }
}
