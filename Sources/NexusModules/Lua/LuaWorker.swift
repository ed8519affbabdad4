public import Foundation
import Glibc
import NexusCore
import NexusLua

/// Where the `nexus-lua-worker` program is, and how to start it: every module call runs in a
/// worker process of its own, in the tool sandbox (no files but its own libraries, no network,
/// no environment, CPU and address-space rlimits), killed at the call's wall-clock limit. A
/// crash, hang or escaped budget in Lua ends that process only; the caller gets a failure.
public struct LuaWorker: Sendable {
    /// The worker program.
    public let executable: URL

    /// The worker at `executable` (for tests and unusual installs).
    public init(executable: URL) {
        self.executable = executable
    }

    /// The worker built with Nexus: `nexus-lua-worker` in the folder of the running program
    /// (`.build/debug`, `.build/release`, or wherever `nexus` was installed with it).
    public static let besideExecutable: LuaWorker = {
        let running = realPath("/proc/self/exe") ?? CommandLine.arguments.first ?? "nexus"
        let folder = URL(fileURLWithPath: running).deletingLastPathComponent()
        return LuaWorker(executable: folder.appendingPathComponent(programName))
    }()

    /// The worker program's file name.
    public static let programName = "nexus-lua-worker"

    /// Seconds past a call's own limit before the worker is killed (the in-process hook stops
    /// well-behaved code at the limit itself, with a precise message).
    static let grace: Double = 2
    /// Address space the worker may map besides the Lua state's cap: its code, the Swift
    /// runtime, stacks and the JSON it sends.
    static let runtimeAddressSpace = 1 << 30

    /// Runs one call in a fresh worker process and answers its requests with `host`.
    /// - Parameters:
    ///   - request: The code, input and limits.
    ///   - host: Answers `nexus.call`, `nexus.credential` and `require` (checked there against
    ///     the module's capabilities); it runs on the conversation's own thread and may block it.
    ///   - module: The module's name, for messages.
    /// - Returns: The worker's outcome, or a failure that says how the worker ended.
    func run(_ request: LuaRunRequest, host: any LuaHost, module: String) async -> LuaOutcome {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            return LuaOutcome(result: .failure(LuaFailure(.error(
                "the Lua worker program \(executable.path) is missing, so module \(module) cannot run; build it with `swift build --product \(Self.programName)` (or `make build`) and keep it next to nexus"))))
        }
        let conversation = LuaWorkerConversation(worker: self, request: request, host: host, module: module)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<LuaOutcome, Never>) in
                let thread = Thread { continuation.resume(returning: conversation.run()) }
                thread.name = "nexus-lua-host"
                thread.start()
            }
        } onCancel: {
            conversation.cancel()
        }
    }

    /// The compiler's message when `code` does not compile as a Lua text chunk, or nil. The
    /// parser runs in a worker too: hostile source never reaches Lua's C code in this process.
    func syntaxError(in code: String, id: String, module: String) async -> String? {
        let request = LuaRunRequest(code: code, id: id, input: .null, instructions: 1, memoryBytes: ModuleLimits.default.memoryBytes,
                                    seconds: ModuleLimits.default.seconds, compileOnly: true)
        final class NoHost: LuaHost, @unchecked Sendable {
            func callTool(_ name: String, arguments: JSONValue) -> Result<String, LuaHostFailure> { .failure(LuaHostFailure("unavailable")) }
            func credential(_ name: String) -> Result<String, LuaHostFailure> { .failure(LuaHostFailure("unavailable")) }
            func dependency(_ name: String) -> Result<(id: String, code: String), LuaHostFailure> { .failure(LuaHostFailure("unavailable")) }
        }
        switch await run(request, host: NoHost(), module: module).result {
        case .success: return nil
        case .failure(let failure):
            if case .error(let message) = failure.failure { return message }
            return failure.description
        }
    }

    /// Folders the worker must read to start: its own, and those of the shared libraries this
    /// process loaded (the worker links a subset of them: the Swift runtime, liblua, libc).
    var readPaths: [String] {
        var paths = Self.libraryFolders
        if let folder = Self.realPath(executable.deletingLastPathComponent().path) { paths.append(folder) }
        return paths
    }

    /// Folders code may be mapped executable from besides the worker itself: those of the
    /// shared libraries (every other mount is noexec in the sandbox).
    static var libraryPaths: [String] {
        libraryFolders.filter { path in
            var status = stat()
            return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
        }
    }

    private static let libraryFolders: [String] = {
        var folders: Set<String> = ["/etc/ld.so.cache"]
        if let maps = readWhole("/proc/self/maps") {
            for line in maps.split(separator: "\n") {
                guard let slash = line.firstIndex(of: "/") else { continue }
                let file = URL(fileURLWithPath: String(line[slash...]))
                // Shared libraries only (`libx.so`, `libx.so.6`), not other mapped files (models).
                let name = file.lastPathComponent
                guard name.hasSuffix(".so") || name.contains(".so.") else { continue }
                folders.insert(file.deletingLastPathComponent().path)
            }
        }
        return folders.compactMap(realPath).sorted()
    }()

    /// The dynamic loaders present: executing the worker opens its loader for execution.
    static let loaders: [String] = ["/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1"].compactMap(realPath)

    /// A file read to its end (procfs files report a size of 0, so read until EOF).
    private static func readWhole(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = read(fd, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = Glibc.realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
