import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A policy entry as the tools will read it: relative entries are relative to the run's
/// workspace, `~` is the server's HOME, `.` and `..` are taken lexically (as the tools take them),
/// then symbolic links are resolved as far as the path exists, so that a link cannot make a path
/// look narrower than what it reaches.
enum PolicyPath {
    /// The absolute, resolved form of `entry`.
    /// - Parameters:
    ///   - entry: A path from a policy ("src", "/data", "~/notes").
    ///   - workspace: The run's workspace folder, absolute.
    static func resolved(_ entry: String, workspace: String) -> String {
        var path = entry
        if path == "~" || path.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] {
            path = home + path.dropFirst()
        }
        if !path.hasPrefix("/") { path = workspace + "/" + path }
        var existing = lexical(path)
        var missing: [String] = []
        while true {
            if let real = realPath("/" + existing.joined(separator: "/")) {
                return "/" + (lexical(real) + missing).joined(separator: "/")
            }
            guard let last = existing.popLast() else { return "/" + missing.joined(separator: "/") }
            missing.insert(last, at: 0)
        }
    }

    /// Whether `path` is `root` or lies beneath it (both resolved).
    static func isBeneath(_ path: String, _ root: String) -> Bool {
        root == "/" || path == root || path.hasPrefix(root + "/")
    }

    /// The components of an absolute path with "." and ".." applied ("/a/./b/../c" → [a, c]).
    private static func lexical(_ path: String) -> [String] {
        var components: [String] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = components.popLast()
            default: components.append(String(part))
            }
        }
        return components
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
