import CSandbox
import Foundation
import Glibc
import NexusCore

/// What passes the relay listeners from a starting sandboxed child to Nexus: a socket pair
/// (the child sends its listeners on one end before execve) and the /etc/hosts file the child
/// binds in, removed again once the child has started.
final class RelayHandoff {
    private var ends: [Int32] = [-1, -1]
    /// The file the child binds over /etc/hosts; nil when it could not be written.
    private(set) var hostsPath: String?

    init(launch: SandboxedProcess.Launch) {
        if socketpair(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) != 0 { ends = [-1, -1] }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nexus-hosts-\(UUID().uuidString)").path
        if FileManager.default.createFile(atPath: path, contents: Data(launch.hostsFile.utf8), attributes: [.posixPermissions: 0o644]) {
            hostsPath = path
        }
    }

    deinit {
        for fd in ends where fd >= 0 { close(fd) }
        if let hostsPath { unlink(hostsPath) }
    }

    /// The end the child sends on.
    var childEnd: Int32 { ends[1] }

    /// After the spawn: the child has its own copy (or is gone).
    func closeChildEnd() {
        if ends[1] >= 0 { close(ends[1]) }
        ends[1] = -1
        if let hostsPath { unlink(hostsPath) }
        hostsPath = nil
    }

    /// The listeners the child sent, paired with their routes, as a relay ready to start.
    func receive(routes: [SandboxNetwork.Route]) -> Result<NetworkRelay, NexusError> {
        guard !routes.isEmpty else { return .success(NetworkRelay(listeners: [])) }
        var fds = [Int32](repeating: -1, count: routes.count)
        let count = nexus_sandbox_receive_relays(ends[0], &fds, fds.count)
        guard count == routes.count else {
            for fd in fds.prefix(max(0, Int(count))) { close(fd) }
            return .failure(NexusError(.sandboxFailed, "the sandbox did not hand over its network relays (\(count < 0 ? "errno \(-count)" : "\(count) of \(routes.count)")); the command was stopped"))
        }
        return .success(NetworkRelay(listeners: Array(zip(fds, routes)).map { (fd: $0.0, route: $0.1) }))
    }
}
