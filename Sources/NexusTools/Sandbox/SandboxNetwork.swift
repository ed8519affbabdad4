import Synchronization

/// Which TCP ports a sandboxed command may connect to, and the ports it never may: those
/// Nexus itself listens on.
///
/// Landlock filters TCP by port, not by host, so a policy entry grants its port on every host
/// (loopback included). An entry without a port grants the web's two (80 and 443), not every
/// port. Nexus's own listener ports are taken out of whatever the policy says, so no allowed
/// host opens Nexus's API to the command.
public enum SandboxNetwork {
    /// The ports an entry without one grants: plain and TLS HTTP.
    public static let defaultPorts: [UInt16] = [80, 443]

    private static let listenerPorts = Mutex<Set<UInt16>>([])

    /// Records a port Nexus listens on (the server calls this before it accepts connections);
    /// no sandboxed command may connect to it from then on.
    /// - Parameter port: The listening TCP port; 0 is ignored.
    public static func reserveListenerPort(_ port: Int) {
        guard let port = UInt16(exactly: port), port != 0 else { return }
        _ = listenerPorts.withLock { $0.insert(port) }
    }

    /// Forgets a port recorded by ``reserveListenerPort(_:)`` (the server stopped listening).
    public static func releaseListenerPort(_ port: Int) {
        guard let port = UInt16(exactly: port) else { return }
        _ = listenerPorts.withLock { $0.remove(port) }
    }

    /// The ports recorded by ``reserveListenerPort(_:)``.
    public static var reservedPorts: Set<UInt16> {
        listenerPorts.withLock { $0 }
    }

    /// The TCP ports the policy's network entries allow, without Nexus's own; empty when there
    /// are none (then no TCP connection at all). Entries that do not parse grant nothing.
    static func connectPorts(for entries: [String]) -> [UInt16] {
        let reserved = reservedPorts
        var ports = Set<UInt16>()
        for entry in entries {
            guard let destination = try? NetworkDestination(entry: entry) else { continue }
            if let port = destination.port.flatMap(UInt16.init(exactly:)) {
                ports.insert(port)
            } else {
                ports.formUnion(defaultPorts)
            }
        }
        return ports.subtracting(reserved).sorted()
    }
}
