import Foundation
import Glibc
import NexusCore

/// What one sandboxed process may see and do, worked out from a ``CapabilityPolicy``: the paths
/// Landlock grants, the executables it may start, its environment and its network.
///
/// Paths are resolved here, once, so the C side only carries them out. A policy path that is a
/// symlink (or lies under one) inside a writable folder is skipped: a sandboxed command could
/// have planted it there to widen the next run's view.
struct SandboxLayout: Sendable {
    /// The workspace with symlinks resolved.
    var workspace: String
    var readPaths: [String]
    var writePaths: [String]
    /// Files Landlock lets the sandbox execute when the policy lists commands.
    var executablePaths: [String]
    /// Folders of shared libraries: with the listed programs, the only places code may be
    /// mapped executable from when the policy lists commands (everything else is noexec, so
    /// the loader cannot run an unlisted or copied program). Empty without a command list.
    var libraryPaths: [String]
    /// Scripts among the listed programs whose `#!` interpreter is not itself listed, and
    /// which the sandbox could rewrite; starting one is refused (see ``refusedInterpreter(of:)``).
    var untrustedScripts: [String: String]
    /// `nil` when the policy allows any command (everything readable may then be executed).
    var allowedExecutables: Set<String>?
    /// PATH directories the sandbox can read, in search order.
    var searchDirectories: [String]
    var environment: [String]
    var network: Bool
    /// With network: TCP connect only to these ports (empty: none). Never Nexus's own listener.
    var connectPorts: [UInt16]
    /// With network: the relays for the allowed destinations, and the /etc/hosts naming them.
    var relayRoutes: [SandboxNetwork.Route]
    var hostsFile: String

    /// System locations a command needs to start (the loader, libraries, locale and name
    /// service data, CA certificates). /etc is not granted whole: the sandbox runs as the
    /// caller's uid, root here, so file permissions would not keep /etc/shadow private.
    static let systemReadPaths: [String] = [
        "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
        "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
        "/etc/localtime", "/etc/timezone", "/etc/locale.alias", "/etc/locale.conf", "/etc/default/locale",
        "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
        "/etc/hosts", "/etc/host.conf", "/etc/resolv.conf", "/etc/gai.conf", "/etc/services", "/etc/protocols",
        "/etc/ssl/certs", "/etc/ssl/openssl.cnf", "/etc/ca-certificates", "/etc/ca-certificates.conf",
        "/etc/pki/tls/certs", "/etc/pki/ca-trust/extracted",
        "/etc/alternatives", "/etc/mime.types", "/etc/magic", "/etc/magic.mime", "/etc/os-release",
        "/etc/debian_version", "/etc/terminfo",
        "/dev/zero", "/dev/random", "/dev/urandom",
    ] + pythonConfigurationPaths

    /// ``systemReadPaths`` with symlinks resolved, once per process.
    static let systemReadRoots: [String] = unique(systemReadPaths.compactMap(realPath))

    /// Devices a command may write to.
    static let systemWritePaths = ["/dev/null", "/dev/full"]

    /// Dynamic loaders: executing any dynamically linked program opens its loader for execution.
    static let loaders = [
        "/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1", "/lib/ld-linux-armhf.so.3",
        "/lib/ld-linux.so.2", "/lib/ld-musl-x86_64.so.1", "/lib/ld-musl-aarch64.so.1",
    ]

    /// Where PATH searches when the parent's PATH misses the usual directories.
    static let defaultSearchPath = ["/usr/local/bin", "/usr/bin", "/bin", "/usr/local/sbin", "/usr/sbin", "/sbin"]

    /// Debian's /etc/python3.X (sitecustomize.py lives there).
    private static let pythonConfigurationPaths: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/etc")) ?? []
        return names.filter { $0.hasPrefix("python3") }.sorted().map { "/etc/" + $0 }
    }()

    /// - Throws: `NexusError(.invalidArgument)` when the workspace does not exist.
    init(policy: CapabilityPolicy, workspace: URL, parentEnvironment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let base = Self.realPath(workspace.path), Self.isDirectory(base) else {
            throw NexusError(.invalidArgument, "the workspace \(workspace.path) is not an existing folder; create it or point the tool context at one")
        }
        self.workspace = base

        let writableRoots = [base] + policy.writablePaths.map { Self.absolute($0, base: base) }
        func grantable(_ entry: String) -> String? {
            let lexical = Self.absolute(entry, base: base)
            guard let real = Self.realPath(lexical) else { return nil }
            if real != lexical && writableRoots.contains(where: { Self.isStrictlyBeneath(lexical, $0) }) { return nil }
            return real
        }
        let policyWrites = policy.writablePaths.compactMap(grantable)
        let policyReads = policy.readablePaths.compactMap(grantable)
        readPaths = Self.outermost(Self.systemReadRoots + policyReads)
        writePaths = Self.unique(Self.systemWritePaths + policyWrites)

        let readableRoots = Self.unique(Self.systemReadRoots + policyReads + policyWrites)
        let pathVariable = parentEnvironment["PATH"].map { $0.split(separator: ":").map(String.init) } ?? []
        searchDirectories = Self.unique((pathVariable + Self.defaultSearchPath).filter { directory in
            guard directory.hasPrefix("/"), let real = Self.realPath(directory) else { return false }
            return readableRoots.contains { Self.isBeneath(real, $0) }
        })

        // PATH is the readable part of the parent's: an entry the sandbox cannot read (a pyenv
        // shim folder under /root) would only mislead, e.g. Python looking for its own home.
        let searchPath = searchDirectories.joined(separator: ":")
        environment = policy.environment.compactMap { name in
            if name == "PATH" { return parentEnvironment[name] == nil ? nil : "PATH=\(searchPath)" }
            return parentEnvironment[name].map { "\(name)=\($0)" }
        }

        network = !policy.networkHosts.isEmpty
        (relayRoutes, hostsFile) = try SandboxNetwork.routes(for: policy.networkHosts)
        connectPorts = SandboxNetwork.connectPorts(of: relayRoutes)

        allowedExecutables = nil
        executablePaths = []
        libraryPaths = []
        untrustedScripts = [:]
        if let commands = policy.commands {
            // Names found in folders the sandbox cannot write are looked up once per state of
            // those folders; anything else (paths, writable folders) is looked up every run.
            let writable = [base] + policyWrites
            let cacheable = !searchDirectories.contains { directory in
                let real = Self.realPath(directory) ?? directory
                return writable.contains { Self.isBeneath(real, $0) }
            }
            let stamps = cacheable ? searchDirectories.map(ProgramIndex.FolderStamp.init) : []
            var listed: [ProgramIndex.Program] = []
            for command in commands {
                listed += cacheable && !command.contains("/")
                    ? ProgramIndex.shared.programs(named: command, in: searchDirectories, stamps: stamps) { self.programs(for: command) }
                    : programs(for: command)
            }
            let allowed = Set(listed.map(\.identity))
            var executables: [String] = []
            for program in listed {
                executables.append(program.path)
                guard let interpreter = program.interpreter else { continue }
                // A script the sandbox can rewrite names its own interpreter: that interpreter
                // must be a listed command too, or `#!/usr/bin/id` would start anything. A
                // script in a folder the sandbox cannot write (pydoc3, lsb_release) is the
                // system's, and its interpreter comes with it.
                let paths = [program.path, Self.realPath(program.path) ?? program.path]
                let rewritable = paths.contains { path in writable.contains { Self.isBeneath(path, $0) } }
                if !rewritable || allowed.contains(Self.identity(interpreter)) {
                    executables.append(interpreter)
                } else {
                    untrustedScripts[program.path] = interpreter
                }
            }
            allowedExecutables = allowed
            executablePaths = Self.unique(executables + Self.loaders)
            libraryPaths = SandboxLibraries.folders(for: executablePaths, excludingBeneath: writable)
        }
    }

    /// The interpreter a listed script would start though the policy does not list it, when
    /// the script lies where the sandbox can rewrite it; `nil` when `path` may run.
    func refusedInterpreter(of path: String) -> String? {
        untrustedScripts[path]
    }

    /// Every program `command` could mean, with what Landlock and the command list need to know.
    private func programs(for command: String) -> [ProgramIndex.Program] {
        candidates(for: command).map { ProgramIndex.Program(path: $0, identity: Self.identity($0), interpreter: Self.interpreter(of: $0)) }
    }

    /// The program `command` names: a path (relative to the workspace) or a name looked up in
    /// the PATH directories the sandbox can read. `nil` when there is none.
    func resolve(_ command: String) -> String? {
        candidates(for: command).first
    }

    /// Whether the policy lets the sandbox start `path` (a result of ``resolve(_:)``).
    func permits(_ path: String) -> Bool {
        allowedExecutables.map { $0.contains(Self.identity(path)) } ?? true
    }

    /// Every file `command` could mean, in PATH order.
    private func candidates(for command: String) -> [String] {
        guard !command.isEmpty else { return [] }
        if command.contains("/") {
            let path = Self.absolute(command, base: workspace)
            return Self.isExecutableFile(path) ? [path] : []
        }
        return searchDirectories.map { $0 + "/" + command }.filter(Self.isExecutableFile)
    }

    // MARK: - Path helpers

    static func absolute(_ path: String, base: String) -> String {
        let joined = path.hasPrefix("/") ? path : base + "/" + path
        return URL(fileURLWithPath: joined).standardized.path
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    static func isExecutableFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }

    static func isBeneath(_ path: String, _ root: String) -> Bool {
        path == root || isStrictlyBeneath(path, root)
    }

    static func isStrictlyBeneath(_ path: String, _ root: String) -> Bool {
        root == "/" ? path != "/" : path.hasPrefix(root + "/")
    }

    /// A program's identity for the command list: its folder with symlinks resolved, and its own
    /// name as written (so /bin/ls and /usr/bin/ls are one program, while a multi-call binary's
    /// links stay distinct commands).
    static func identity(_ path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let folder = realPath(url.deletingLastPathComponent().path) ?? url.deletingLastPathComponent().path
        return (folder == "/" ? "" : folder) + "/" + url.lastPathComponent
    }

    /// The `#!` interpreter of a script, which Landlock must also let the sandbox execute.
    static func interpreter(of path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 256), head.starts(with: [0x23, 0x21]) else { return nil }
        let line = head.dropFirst(2).prefix { $0 != 0x0A }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        guard let program = text.split(separator: " ").first.map(String.init), program.hasPrefix("/") else { return nil }
        return program
    }

    /// The paths without those beneath another of them (one Landlock rule covers both).
    static func outermost(_ paths: [String]) -> [String] {
        let distinct = unique(paths)
        return distinct.filter { path in !distinct.contains { isStrictlyBeneath(path, $0) } }
    }

    static func unique<T: Hashable>(_ items: [T]) -> [T] {
        var seen = Set<T>()
        return items.filter { seen.insert($0).inserted }
    }
}
