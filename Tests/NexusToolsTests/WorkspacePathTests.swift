import Foundation
import NexusCore
import NexusTools
import Synchronization
import Testing

/// A temporary folder holding `workspace/` and `outside/` (a stand-in for the rest of the machine).
struct ToolsScratch {
    let root: URL

    init() throws {
        let template = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-tools-XXXXXX").path
        var bytes = Array(template.utf8CString)
        guard mkdtemp(&bytes) != nil else { throw NexusError(.ioError, "mkdtemp failed") }
        root = URL(fileURLWithPath: String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
    }

    var workspace: URL { root.appendingPathComponent("workspace") }
    var outside: URL { root.appendingPathComponent("outside") }

    /// An absolute path under the scratch root.
    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    func write(_ text: String, to relative: String) throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    func read(_ relative: String) -> String? {
        (try? Data(contentsOf: root.appendingPathComponent(relative))).map { String(decoding: $0, as: UTF8.self) }
    }

    func exists(_ relative: String) -> Bool {
        var status = stat()
        return lstat(path(relative), &status) == 0
    }

    func symlink(_ relative: String, to target: String) throws {
        guard Foundation.symlink(target, path(relative)) == 0 else { throw NexusError(.ioError, "symlink failed") }
    }

    func hardlink(_ relative: String, to targetRelative: String) throws {
        guard link(path(targetRelative), path(relative)) == 0 else { throw NexusError(.ioError, "link failed") }
    }

    func files(_ policy: CapabilityPolicy = .default, resolution: WorkspacePath.Resolution = .automatic) -> WorkspacePath {
        WorkspacePath(workspace: workspace, policy: policy, resolution: resolution)
    }

    func context(_ policy: CapabilityPolicy = .default) -> ToolContext {
        ToolContext(workspace: workspace, policy: policy)
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }
}

/// The refusal `body` throws, or nil when it throws something else or nothing.
func capturedRefusal(_ body: () throws -> some Any) -> PathRefusal? {
    do {
        _ = try body()
        return nil
    } catch let refusal as PathRefusal {
        return refusal
    } catch {
        return nil
    }
}

/// The `NexusError` message `body` throws, or nil.
func capturedFailure(_ body: () throws -> some Any) -> String? {
    do {
        _ = try body()
        return nil
    } catch let error as NexusError {
        return error.message
    } catch {
        return nil
    }
}

@Suite struct WorkspacePathTests {
    static let resolutions = WorkspacePath.Resolution.allCases

    @Test(arguments: resolutions)
    func readsWritesAndListsInsideTheWorkspace(resolution: WorkspacePath.Resolution) throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("hello\n", to: "workspace/notes/a.txt")
        let files = scratch.files(resolution: resolution)

        #expect(try files.read(path: "notes/a.txt", maxBytes: 100).bytes == Array("hello\n".utf8))
        #expect(try files.read(path: scratch.path("workspace/notes/a.txt"), maxBytes: 3).bytes == Array("hel".utf8))
        #expect(try files.read(path: "notes/./../notes/a.txt", offset: 2, maxBytes: 100).bytes == Array("llo\n".utf8))

        let outcome = try files.write(path: "deep/er/b.txt", contents: Array("B".utf8), mode: .create, createParents: true)
        #expect(outcome == WriteOutcome(bytesWritten: 1, created: true))
        #expect(scratch.read("workspace/deep/er/b.txt") == "B")

        let listing = try files.list(path: ".", recursive: true, maxEntries: 100)
        #expect(listing.entries.map(\.path) == ["deep", "deep/er", "deep/er/b.txt", "notes", "notes/a.txt"])
        #expect(listing.isComplete)
        #expect(try files.stat(path: "notes/a.txt").size == 6)
        #expect(try files.stat(path: ".").kind == .directory)
    }

    @Test(arguments: resolutions)
    func dotDotAboveTheRootIsRefused(resolution: WorkspacePath.Resolution) throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("secret", to: "outside/secret.txt")
        let files = scratch.files(resolution: resolution)

        let refused = capturedRefusal { try files.read(path: "../outside/secret.txt", maxBytes: 100) }
        #expect(refused?.reason == .outsideRoots)
        #expect(refused?.message == "path ../outside/secret.txt (\(scratch.path("outside/secret.txt"))) is outside the readable paths of this run (workspace)")
        #expect(capturedRefusal { try files.read(path: "notes/../../outside/secret.txt", maxBytes: 100) }?.reason == .outsideRoots)
        #expect(capturedRefusal { try files.list(path: "..", maxEntries: 10) }?.reason == .outsideRoots)
        // `..` that stays inside is fine.
        try scratch.write("in", to: "workspace/a/b.txt")
        #expect(try files.read(path: "a/../a/b.txt", maxBytes: 10).bytes == Array("in".utf8))
    }

    @Test(arguments: resolutions)
    func absolutePathsOutsideAreRefused(resolution: WorkspacePath.Resolution) throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        let files = scratch.files(resolution: resolution)

        let refused = capturedRefusal { try files.read(path: "/etc/shadow", maxBytes: 100) }
        #expect(refused?.message == "path /etc/shadow is outside the readable paths of this run (workspace)")
        #expect(capturedRefusal { try files.stat(path: "/") }?.reason == .outsideRoots)
        // A sibling whose name starts with the workspace's name is not beneath it.
        try scratch.write("evil", to: "workspace-evil/f.txt")
        #expect(capturedRefusal { try files.read(path: scratch.path("workspace-evil/f.txt"), maxBytes: 10) }?.reason == .outsideRoots)
    }

    @Test(arguments: resolutions)
    func aSymlinkToShadowPlantedInTheWorkspaceIsRefused(resolution: WorkspacePath.Resolution) throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.symlink("workspace/shadow", to: "/etc/shadow")
        let files = scratch.files(resolution: resolution)

        let refused = capturedRefusal { try files.read(path: "shadow", maxBytes: 100) }
        #expect(refused?.reason == .symbolicLink(component: "shadow"))
        #expect(refused?.message == "path shadow is refused: it is a symbolic link, and file tools never follow links (readable paths of this run: workspace)")
        #expect(capturedRefusal { try files.read(path: scratch.path("workspace/shadow"), maxBytes: 100) } != nil)
        // The listing shows the link as a link, without following it.
        #expect(try files.list(path: ".", maxEntries: 10).entries.map(\.status.kind) == [.symbolicLink])
        #expect(try files.stat(path: "shadow").kind == .symbolicLink)
    }

    @Test(arguments: resolutions)
    func writingThroughASymlinkIsRefusedAndTheTargetUntouched(resolution: WorkspacePath.Resolution) throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("original", to: "outside/target.txt")
        try scratch.symlink("workspace/link.txt", to: scratch.path("outside/target.txt"))
        let files = scratch.files(resolution: resolution)

        for mode in WorkspacePath.WriteMode.allCases {
            let refused = capturedRefusal { try files.write(path: "link.txt", contents: Array("owned".utf8), mode: mode) }
            #expect(refused?.reason == .symbolicLink(component: "link.txt"), "mode \(mode)")
            #expect(refused?.message.contains("writable paths of this run: workspace") == true)
        }
        #expect(scratch.read("outside/target.txt") == "original")
        // The link is still a link (not replaced by a file either).
        #expect(try files.stat(path: "link.txt").kind == .symbolicLink)
    }

    @Test(arguments: resolutions)
    func aSymlinkedDirectoryIsNotEntered(resolution: WorkspacePath.Resolution) throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("secret", to: "outside/secret.txt")
        try FileManager.default.createDirectory(at: scratch.workspace.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try scratch.symlink("workspace/sub/linkdir", to: scratch.path("outside"))
        let files = scratch.files(resolution: resolution)

        let read = capturedRefusal { try files.read(path: "sub/linkdir/secret.txt", maxBytes: 100) }
        #expect(read?.reason == .symbolicLink(component: "sub/linkdir"))
        #expect(read?.message == "path sub/linkdir/secret.txt is refused: sub/linkdir is a symbolic link, and file tools never follow links (readable paths of this run: workspace)")
        #expect(capturedRefusal { try files.list(path: "sub/linkdir", maxEntries: 10) }?.reason == .symbolicLink(component: "sub/linkdir"))
        #expect(capturedRefusal { try files.write(path: "sub/linkdir/new.txt", contents: [1], mode: .create, createParents: true) } != nil)
        #expect(capturedRefusal { try files.write(path: "sub/linkdir/deeper/new.txt", contents: [1], mode: .create, createParents: true) } != nil)
        #expect(!scratch.exists("outside/new.txt"))
        #expect(!scratch.exists("outside/deeper"))
        // A recursive listing shows the link and does not descend into it.
        let listing = try files.list(path: ".", recursive: true, maxEntries: 100)
        #expect(listing.entries.map(\.path) == ["sub", "sub/linkdir"])
    }

    @Test(arguments: resolutions)
    func aHardlinkToAFileOutsideIsRefusedForReadAndWrite(resolution: WorkspacePath.Resolution) throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("root:secret", to: "outside/shadow-copy")
        try scratch.hardlink("workspace/innocent.txt", to: "outside/shadow-copy")
        let files = scratch.files(resolution: resolution)

        let read = capturedRefusal { try files.read(path: "innocent.txt", maxBytes: 100) }
        #expect(read?.reason == .hardLink(linkCount: 2))
        #expect(read?.message == "path innocent.txt is refused: it is a file with 2 hard links, and file tools do not read hard-linked files because another link may lie outside the readable paths of this run (workspace)")
        for mode in WorkspacePath.WriteMode.allCases where mode != .create {
            #expect(capturedRefusal { try files.write(path: "innocent.txt", contents: Array("x".utf8), mode: mode) }?.reason == .hardLink(linkCount: 2))
        }
        #expect(scratch.read("outside/shadow-copy") == "root:secret")
        #expect(try files.stat(path: "innocent.txt").linkCount == 2)
    }

    @Test(arguments: resolutions)
    func procMagicLinksAreRefused(resolution: WorkspacePath.Resolution) throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        let files = scratch.files(resolution: resolution)
        #expect(capturedRefusal { try files.read(path: "/proc/self/root/etc/passwd", maxBytes: 100) }?.message
            == "path /proc/self/root/etc/passwd is outside the readable paths of this run (workspace)")

        // Even when /proc/self is readable, its root link is not followed.
        var policy = CapabilityPolicy.default
        policy.readablePaths = [".", "/proc/self"]
        let proc = scratch.files(policy, resolution: resolution)
        let refused = capturedRefusal { try proc.read(path: "/proc/self/root/etc/passwd", maxBytes: 100) }
        #expect(refused?.reason == .magicLink(component: "/proc/self/root"))
        #expect(refused?.message.contains("/proc/self/root is a /proc magic link") == true)
        #expect(capturedRefusal { try proc.read(path: "/proc/self/cwd/anything", maxBytes: 100) }?.reason == .magicLink(component: "/proc/self/cwd"))

        // procfs files report size 0 and are still read to their end.
        policy.readablePaths = ["/proc/version"]
        let version = try scratch.files(policy, resolution: resolution).read(path: "/proc/version", maxBytes: 4096)
        #expect(String(decoding: version.bytes, as: UTF8.self).hasPrefix("Linux version"))
        #expect(version.reachesEnd)

        // A link planted in the workspace that points into /proc is an ordinary refused link.
        try scratch.symlink("workspace/rootfs", to: "/proc/self/root")
        #expect(capturedRefusal { try files.read(path: "rootfs/etc/passwd", maxBytes: 100) }?.reason == .symbolicLink(component: "rootfs"))
    }

    @Test(arguments: resolutions)
    func writingOutsideTheWritableRootsIsRefused(resolution: WorkspacePath.Resolution) throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        var policy = CapabilityPolicy.default
        policy.writablePaths = ["out"]
        let files = scratch.files(policy, resolution: resolution)

        let outside = capturedRefusal { try files.write(path: scratch.path("outside/x.txt"), contents: [1], mode: .create, createParents: true) }
        #expect(outside?.message == "path \(scratch.path("outside/x.txt")) is outside the writable paths of this run (workspace/out)")
        #expect(capturedRefusal { try files.write(path: "../outside/x.txt", contents: [1], mode: .overwrite) }?.reason == .outsideRoots)
        #expect(capturedRefusal { try files.write(path: "x.txt", contents: [1], mode: .overwrite) }?.message
            == "path x.txt is outside the writable paths of this run (workspace/out)")
        #expect(!scratch.exists("outside/x.txt"))
        #expect(!scratch.exists("workspace/x.txt"))

        // The writable root does not exist yet: it is created beneath the workspace on request.
        try files.write(path: "out/report/r.txt", contents: Array("r".utf8), mode: .create, createParents: true)
        #expect(scratch.read("workspace/out/report/r.txt") == "r")

        // Reading needs a readable root: with none, nothing is readable.
        policy.readablePaths = []
        #expect(capturedRefusal { try scratch.files(policy, resolution: resolution).read(path: "out/report/r.txt", maxBytes: 10) }?.message
            == "path out/report/r.txt is outside the readable paths of this run (none)")
    }

    @Test func aFileRootAllowsExactlyThatFile() throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        var policy = CapabilityPolicy.default
        policy.writablePaths = ["summary.txt"]
        let files = scratch.files(policy)
        try files.write(path: "summary.txt", contents: Array("one".utf8), mode: .overwrite)
        try files.write(path: "summary.txt", contents: Array(" two".utf8), mode: .append)
        #expect(scratch.read("workspace/summary.txt") == "one two")
        #expect(capturedRefusal { try files.write(path: "other.txt", contents: [1], mode: .overwrite) }?.reason == .outsideRoots)
        #expect(capturedFailure { try files.write(path: "summary.txt/x", contents: [1], mode: .overwrite) } != nil)
    }

    @Test func aWorkspaceReachedThroughASymlinkWorks() throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("data", to: "workspace/f.txt")
        try scratch.symlink("ws-link", to: scratch.workspace.path)
        // The user's own paths may go through links; the model's may not.
        let files = WorkspacePath(workspace: URL(fileURLWithPath: scratch.path("ws-link")), policy: .default)
        #expect(try files.read(path: "f.txt", maxBytes: 10).bytes == Array("data".utf8))
        #expect(try files.read(path: scratch.path("ws-link/f.txt"), maxBytes: 10).bytes == Array("data".utf8))
        #expect(try files.read(path: scratch.path("workspace/f.txt"), maxBytes: 10).bytes == Array("data".utf8))
        #expect(capturedRefusal { try files.read(path: scratch.path("outside/f.txt"), maxBytes: 10) }?.reason == .outsideRoots)
    }

    @Test func writeModesAndAtomicity() throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        let files = scratch.files()
        try files.write(path: "a.txt", contents: Array("first".utf8), mode: .create)
        #expect(capturedFailure { try files.write(path: "a.txt", contents: [1], mode: .create) }
            == "a.txt already exists; use mode \"overwrite\" to replace it or \"append\" to add to it")
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: scratch.path("workspace/a.txt"))
        #expect(try files.write(path: "a.txt", contents: Array("second".utf8), mode: .overwrite).created == false)
        #expect(try files.stat(path: "a.txt").permissions == 0o600)
        try files.write(path: "a.txt", contents: Array("+".utf8), mode: .append)
        #expect(scratch.read("workspace/a.txt") == "second+")
        try files.write(path: "new.txt", contents: Array("n".utf8), mode: .append)
        #expect(scratch.read("workspace/new.txt") == "n")
        // No temporary files are left behind.
        #expect(try files.list(path: ".", maxEntries: 10).entries.map(\.path) == ["a.txt", "new.txt"])
        // Parents are created only on request.
        #expect(capturedFailure { try files.write(path: "missing/b.txt", contents: [1], mode: .create) } == "no such file or directory: missing")
        #expect(capturedFailure { try files.write(path: ".", contents: [1], mode: .overwrite) } == ". is a directory; give a file path to write")
    }

    @Test func clearErrorsForMissingFilesDirectoriesAndPipes() throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        let files = scratch.files()
        #expect(capturedFailure { try files.read(path: "nope.txt", maxBytes: 10) } == "no such file or directory: nope.txt")
        #expect(capturedFailure { try files.read(path: "dir/nope.txt", maxBytes: 10) } == "no such file or directory: dir")
        try FileManager.default.createDirectory(at: scratch.workspace.appendingPathComponent("dir"), withIntermediateDirectories: true)
        #expect(capturedFailure { try files.read(path: "dir", maxBytes: 10) } == "dir is a directory, not a file")
        try scratch.write("x", to: "workspace/file.txt")
        #expect(capturedFailure { try files.list(path: "file.txt", maxEntries: 10) } == "file.txt is a file, not a folder: read it with filesystem_read")
        #expect(capturedFailure { try files.read(path: "file.txt/x", maxBytes: 10) } == "file.txt is not a directory")
        #expect(mkfifo(scratch.path("workspace/pipe"), 0o644) == 0)
        #expect(capturedFailure { try files.read(path: "pipe", maxBytes: 10) } == "pipe is not a regular file (a device, socket or pipe), so it is not read")
        #expect(capturedFailure { try files.write(path: "pipe", contents: [1], mode: .append) } == "pipe is not a regular file (a device, socket or pipe), so it is not written")
    }

    @Test func listingsStopAtTheirLimit() throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        for index in 0..<5 { try scratch.write("\(index)", to: "workspace/d/f\(index).txt") }
        try scratch.write("g", to: "workspace/.git/HEAD")
        let files = scratch.files()
        let listing = try files.list(path: "d", maxEntries: 3)
        #expect(listing.entries.map(\.path) == ["f0.txt", "f1.txt", "f2.txt"])
        #expect(!listing.isComplete)
        let skipping = try files.list(path: ".", recursive: true, maxEntries: 100, notDescending: [".git"])
        #expect(skipping.entries.first?.path == ".git")
        #expect(!skipping.entries.contains { $0.path == ".git/HEAD" })
    }
}

/// Item 8 of the security review: a policy root swapped for a symbolic link (by a script the run
/// ran, by an earlier run, through a module's declared sub-path) must not move where file tools go.
@Suite struct PinnedRootTests {
    /// A run's context: its roots are opened once, when the run starts.
    private func runContext(_ scratch: ToolsScratch, _ policy: CapabilityPolicy) -> ToolContext {
        let context = ToolContext(workspace: scratch.workspace, policy: policy, runID: "run", resources: RunResources())
        WorkspacePath.pinRoots(of: context)
        return context
    }

    private func writeOnly(_ root: String) -> CapabilityPolicy {
        var policy = CapabilityPolicy.default
        policy.readablePaths = [root]
        policy.writablePaths = [root]
        return policy
    }

    @Test func aMissingWriteRootReplacedByALinkDuringTheRunLeadsNowhere() throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("secret", to: "outside/secret.txt")
        let context = runContext(scratch, writeOnly("out"))
        // What `os.symlink(outside, 'out')` from python_execute does after the run started.
        try scratch.symlink("workspace/out", to: scratch.outside.path)

        let files = WorkspacePath(context)
        #expect(capturedRefusal { try files.write(path: scratch.path("outside/pwned.txt"), contents: [1], mode: .create) } != nil)
        #expect(capturedRefusal { try files.write(path: "out/pwned.txt", contents: [1], mode: .create, createParents: true) } != nil)
        #expect(capturedRefusal { try files.read(path: scratch.path("outside/secret.txt"), maxBytes: 10) } != nil)
        #expect(capturedRefusal { try files.read(path: "out/secret.txt", maxBytes: 10) } != nil)
        #expect(capturedRefusal { try files.list(path: scratch.path("outside"), maxEntries: 10) } != nil)
        #expect(!scratch.exists("outside/pwned.txt"))
    }

    @Test func aRootThatIsALinkInsideTheWorkspaceWhenTheRunStartsIsRefused() throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("secret", to: "outside/secret.txt")
        // An earlier run left the link; the next run with the same policy must not follow it.
        try scratch.symlink("workspace/out", to: scratch.outside.path)
        let files = WorkspacePath(runContext(scratch, writeOnly("out")))

        let refused = capturedRefusal { try files.read(path: scratch.path("outside/secret.txt"), maxBytes: 10) }
        #expect(refused?.reason == .outsideRoots || refused?.reason.isUnusableRoot == true)
        let through = capturedRefusal { try files.read(path: "out/secret.txt", maxBytes: 10) }
        #expect(through?.reason.isUnusableRoot == true)
        #expect(through?.message.contains("is a symbolic link inside") == true)
        #expect(capturedRefusal { try files.write(path: "out/pwned.txt", contents: [1], mode: .create) } != nil)
        #expect(!scratch.exists("outside/pwned.txt"))
    }

    @Test func aModuleSubPathSwappedForALinkIsNotFollowed() throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("secret", to: "outside/secret.txt")
        try FileManager.default.createDirectory(at: scratch.workspace.appendingPathComponent("sub"), withIntermediateDirectories: true)
        var policy = CapabilityPolicy.default
        policy.readablePaths = ["."]
        policy.writablePaths = ["."]
        let run = runContext(scratch, policy)
        // The module's narrowed policy names the sub-path absolutely, as ModuleCapabilities does.
        try FileManager.default.removeItem(at: scratch.workspace.appendingPathComponent("sub"))
        try scratch.symlink("workspace/sub", to: scratch.outside.path)
        var narrowed = run
        narrowed.policy = writeOnly(scratch.path("workspace/sub"))

        let files = WorkspacePath(narrowed)
        #expect(capturedRefusal { try files.read(path: scratch.path("outside/secret.txt"), maxBytes: 10) } != nil)
        #expect(capturedRefusal { try files.read(path: "sub/secret.txt", maxBytes: 10) } != nil)
        #expect(capturedRefusal { try files.write(path: scratch.path("outside/pwned.txt"), contents: [1], mode: .create) } != nil)
        #expect(!scratch.exists("outside/pwned.txt"))
    }

    @Test func aRootRenamedAwayAndReplacedKeepsTheFolderPinnedAtTheStart() throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("inside", to: "workspace/data/f.txt")
        try scratch.write("outside", to: "outside/f.txt")
        var policy = CapabilityPolicy.default
        policy.readablePaths = ["data"]
        policy.writablePaths = ["data"]
        let context = runContext(scratch, policy)
        // The root is moved away and a link to the outside takes its name.
        try FileManager.default.moveItem(atPath: scratch.path("workspace/data"), toPath: scratch.path("workspace/data-old"))
        try scratch.symlink("workspace/data", to: scratch.outside.path)

        let files = WorkspacePath(context)
        #expect(try files.read(path: "data/f.txt", maxBytes: 10).bytes == Array("inside".utf8))
        try files.write(path: "data/new.txt", contents: Array("n".utf8), mode: .create)
        #expect(scratch.read("workspace/data-old/new.txt") == "n")
        #expect(!scratch.exists("outside/new.txt"))
        #expect(try files.list(path: "data", maxEntries: 10).entries.map(\.path) == ["f.txt", "new.txt"])
        // A listing of the pinned root twice gives the same entries (its descriptor's offset is never used).
        #expect(try files.list(path: "data", maxEntries: 10).entries.map(\.path) == ["f.txt", "new.txt"])
    }

    @Test func theWorkspaceItselfIsPinnedForTheRun() throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        try scratch.write("inside", to: "workspace/f.txt")
        try scratch.write("outside", to: "outside/f.txt")
        let context = runContext(scratch, .default)
        try FileManager.default.moveItem(atPath: scratch.workspace.path, toPath: scratch.path("workspace-old"))
        try scratch.symlink("workspace", to: scratch.outside.path)

        let files = WorkspacePath(context)
        #expect(try files.read(path: "f.txt", maxBytes: 10).bytes == Array("inside".utf8))
        try files.write(path: "f.txt", contents: Array("changed".utf8), mode: .overwrite)
        #expect(scratch.read("outside/f.txt") == "outside")
        #expect(scratch.read("workspace-old/f.txt") == "changed")
    }

    @Test func aRootSwappedBackAndForthWhileToolsRunNeverLeadsOutside() throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        let files = WorkspacePath(runContext(scratch, writeOnly("out")))
        let out = scratch.path("workspace/out")
        let staging = scratch.path("workspace/staging")
        // Another process swaps `out` between a real folder and a link to the outside, as fast as it can.
        let stop = Atomic<Bool>(false)
        let swapper = Thread {
            while !stop.load(ordering: .relaxed) {
                mkdir(staging, 0o755)
                rename(staging, out)
                rmdir(out)
                unlink(out)
                symlink(scratch.outside.path, out)
                unlink(out)
            }
        }
        swapper.start()
        for index in 0..<300 {
            _ = try? files.write(path: "out/f\(index).txt", contents: [1], mode: .create, createParents: true)
            _ = try? files.read(path: scratch.path("outside/f\(index).txt"), maxBytes: 1)
        }
        stop.store(true, ordering: .relaxed)
        while !swapper.isFinished { usleep(1000) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.outside.path).isEmpty)
    }

    @Test func theWriteToolThroughASwappedRootIsRefused() async throws {
        let scratch = try ToolsScratch()
        defer { scratch.remove() }
        let registry = try ToolRegistry([FilesystemWriteTool(), FilesystemReadTool()])
        let context = runContext(scratch, writeOnly("out"))
        try scratch.symlink("workspace/out", to: scratch.outside.path)
        let write = await registry.call(ToolCall(id: "1", name: "filesystem_write",
                                                 arguments: ["path": .string(scratch.path("outside/pwned.txt")), "content": "x"]), context: context)
        #expect(write.result.status == .refused)
        #expect(!scratch.exists("outside/pwned.txt"))
    }
}

extension PathRefusal.Reason {
    var isUnusableRoot: Bool {
        if case .unusableRoot = self { return true }
        return false
    }
}
