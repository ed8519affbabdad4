import Glibc

/// The folders a sandboxed command may map shared libraries from when the policy lists its
/// commands. Every other mount is noexec, so the dynamic loader cannot be used to start a
/// program that is not listed (`ld.so /usr/bin/id`, or a copy in the workspace).
///
/// The folders are the loader's own (ld.so.conf's multiarch folders, `/usr/local/lib`) and, for
/// each listed program `<prefix>/bin/<name>`, the module folder of a language runtime
/// (`<prefix>/lib/python3.11`, `<prefix>/lib/python3`) and, outside `/usr`, `<prefix>/lib`.
/// Helper programs that a package keeps inside a library folder (gettext's, glib's under
/// `/usr/lib/x86_64-linux-gnu`) could still be started through the loader: a documented limit.
enum SandboxLibraries {
    #if arch(x86_64)
    static let multiarch = "x86_64-linux-gnu"
    #elseif arch(arm64)
    static let multiarch = "aarch64-linux-gnu"
    #else
    static let multiarch = ""
    #endif

    /// The system's library folders that exist, symlinks resolved.
    static let systemFolders: [String] = {
        var folders = ["/usr/lib/\(multiarch)", "/lib/\(multiarch)", "/usr/local/lib", "/usr/local/lib/\(multiarch)",
                       "/usr/lib64", "/lib64"]
        // Distributions without multiarch folders keep libraries in /usr/lib itself.
        if multiarch.isEmpty || !SandboxLayout.isDirectory("/usr/lib/\(multiarch)") { folders += ["/usr/lib", "/lib"] }
        return SandboxLayout.unique(folders.compactMap(SandboxLayout.realPath).filter(SandboxLayout.isDirectory))
    }()

    /// The folders the dynamic loaders live in (it maps nothing else from them by itself).
    static let loaderFolders: [String] = SandboxLayout.loaders.compactMap(SandboxLayout.realPath).map { path in
        String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)])
    }

    /// The library folders for these executables (programs, interpreters, loaders), leaving out
    /// any inside a folder the sandbox may write (code placed there must not become mappable).
    static func folders(for executables: [String], excludingBeneath writable: [String]) -> [String] {
        var folders = systemFolders + loaderFolders
        for executable in executables {
            guard let real = SandboxLayout.realPath(executable) else { continue }
            let parts = real.split(separator: "/").map(String.init)
            guard parts.count >= 2, parts[parts.count - 2] == "bin" else { continue }
            let prefix = "/" + parts.dropLast(2).joined(separator: "/")
            let root = prefix == "/" ? "" : prefix
            let name = parts[parts.count - 1]
            let family = String(name.prefix { $0 != "." })  // python3.11 -> python3
            folders += ["\(root)/lib/\(name)", "\(root)/lib/\(family)"]
            if prefix != "/usr" && prefix != "/" { folders += ["\(root)/lib", "\(root)/lib64"] }
        }
        let existing = folders.compactMap(SandboxLayout.realPath).filter(SandboxLayout.isDirectory)
        return SandboxLayout.unique(existing).filter { folder in
            !writable.contains { SandboxLayout.isBeneath(folder, $0) }
        }
    }
}
