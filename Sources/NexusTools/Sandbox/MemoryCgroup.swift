import Foundation
import Glibc
import Synchronization

/// A cgroup made for one sandboxed command, so that `memoryBytes` bounds its whole process tree
/// and not each process alone (RLIMIT_AS, which stays as well, is per process: four children
/// of 200 MB each pass a 256 MB RLIMIT_AS).
///
/// Made under Nexus's own cgroup: cgroup v2's `memory.max` where the memory controller can be
/// enabled there, else cgroup v1's memory controller; `nil` where neither is writable (then
/// the limit is per process only, and ``Sandbox/memoryLimitScope`` says so). The child joins
/// it through ``procsFD`` before it unshares its cgroup namespace, and ``remove()`` deletes it
/// after the run.
final class MemoryCgroup {
    enum Version: String, Sendable {
        case v2 = "cgroup v2"
        case v1 = "cgroup v1"
    }

    let path: String
    let version: Version
    /// An open `cgroup.procs` of this cgroup (close-on-exec): writing "0" to it moves the writer in.
    private(set) var procsFD: Int32

    private init(path: String, version: Version, procsFD: Int32) {
        self.path = path
        self.version = version
        self.procsFD = procsFD
    }

    deinit { remove() }

    /// A new cgroup limited to `limit` bytes of memory (swap included where the kernel can
    /// count it), or `nil` when this machine gives Nexus no writable memory controller.
    static func create(limit: Int) -> MemoryCgroup? {
        guard limit > 0 else { return nil }
        for (version, parent) in parents {
            let path = parent + "/nexus-sandbox-\(getpid())-\(counter.add(1, ordering: .relaxed).newValue)"
            guard mkdir(path, 0o700) == 0 else { continue }
            let limited: Bool
            switch version {
            case .v2:
                limited = write("\(limit)", to: path + "/memory.max")
                if limited { _ = write("0", to: path + "/memory.swap.max") }
            case .v1:
                limited = write("\(limit)", to: path + "/memory.limit_in_bytes")
                if limited { _ = write("\(limit)", to: path + "/memory.memsw.limit_in_bytes") }
            }
            let fd = limited ? open(path + "/cgroup.procs", O_WRONLY | O_CLOEXEC) : -1
            if fd >= 0 { return MemoryCgroup(path: path, version: version, procsFD: fd) }
            rmdir(path)
        }
        return nil
    }

    /// Whether the kernel killed a process of this cgroup for going over its limit.
    var killedAtTheLimit: Bool {
        let file = version == .v2 ? "/memory.events" : "/memory.oom_control"
        guard let text = try? String(contentsOfFile: path + file, encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count == 2 && fields[0] == "oom_kill" && (Int(fields[1]) ?? 0) > 0
        }
    }

    /// Deletes the cgroup once its last process is gone (the ones the pid namespace's end
    /// killed may still be exiting: up to a second's retries). Idempotent.
    func remove() {
        if procsFD >= 0 { close(procsFD) }
        procsFD = -1
        for _ in 0..<200 {
            if rmdir(path) == 0 || errno == ENOENT { return }
            guard errno == EBUSY else { return }
            usleep(5_000)
        }
    }

    private static let counter = Atomic<Int>(0)

    /// Where this process may make memory cgroups, preferred first; worked out once.
    private static let parents: [(Version, String)] = {
        let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        let memberships = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        var found: [(Version, String)] = []
        if let v2 = directory(version: .v2, mounts: mounts, memberships: memberships), enableMemoryController(in: v2) {
            found.append((.v2, v2))
        }
        if let v1 = directory(version: .v1, mounts: mounts, memberships: memberships), access(v1, W_OK) == 0 {
            found.append((.v1, v1))
        }
        return found
    }()

    /// Nexus's own cgroup in the hierarchy of `version` (v1: the memory controller's).
    private static func directory(version: Version, mounts: String, memberships: String) -> String? {
        // /proc/self/cgroup: "0::/path" (v2), "4:memory:/path" (v1).
        var found: String?
        for line in memberships.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let controllers = fields[1].split(separator: ",")
            let matches = version == .v2 ? (fields[0] == "0" && controllers.isEmpty) : controllers.contains("memory")
            if matches { found = String(fields[2]) }
        }
        guard let cgroupPath = found else { return nil }
        // /proc/self/mountinfo: "id parent dev root mountpoint options ... - fstype source superoptions".
        for line in mounts.split(separator: "\n") {
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2 else { continue }
            let left = halves[0].split(separator: " "), right = halves[1].split(separator: " ")
            guard left.count >= 5, right.count >= 3 else { continue }
            let matches = version == .v2
                ? right[0] == "cgroup2"
                : right[0] == "cgroup" && right[2].split(separator: ",").contains("memory")
            guard matches else { continue }
            let root = String(left[3]), mountPoint = String(left[4])
            guard cgroupPath == root || cgroupPath.hasPrefix(root == "/" ? "/" : root + "/") else { continue }
            let relative = root == "/" ? cgroupPath : String(cgroupPath.dropFirst(root.count))
            let path = mountPoint + (relative == "/" ? "" : relative)
            if SandboxLayout.isDirectory(path) { return path }
        }
        return nil
    }

    /// cgroup v2 gives a child cgroup `memory.max` only when the parent delegates the memory
    /// controller; enabling it fails where Nexus's own cgroup holds processes and is not the
    /// root (the "no internal processes" rule), and then v2 is not used.
    private static func enableMemoryController(in directory: String) -> Bool {
        func delegated() -> Bool {
            let text = (try? String(contentsOfFile: directory + "/cgroup.subtree_control", encoding: .utf8)) ?? ""
            return text.split(whereSeparator: \.isWhitespace).contains("memory")
        }
        return delegated() || (write("+memory", to: directory + "/cgroup.subtree_control") && delegated())
    }

    private static func write(_ text: String, to path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return text.withCString { Glibc.write(fd, $0, strlen($0)) } == text.utf8.count
    }
}
