import NexusCore
import Synchronization

/// Where a sandboxed command's TCP connections may go, and the ports they never may: those
/// Nexus itself listens on.
///
/// The command has a network namespace of its own even when the policy allows network. For
/// each allowed destination and port there is a relay: a listener in that namespace (host names
/// point at a loopback address of their own through the sandbox's /etc/hosts; an IP address is
/// added to its loopback) whose connections Nexus forwards to the real destination
/// (``NetworkRelay``). So a policy entry grants that host and port, and nothing else: no other
/// host, no loopback service of the machine (unless the entry names loopback), no UDP. An entry
/// without a port grants the web's two (80 and 443). Nexus's own listener ports are never
/// granted, whatever the entries say.
public enum SandboxNetwork {
    /// The ports an entry without one grants: plain and TLS HTTP.
    public static let defaultPorts: [UInt16] = [80, 443]

    /// The most relays (destination and port pairs) one command may have.
    static let maxRelays = 64

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

    /// One allowed destination and port, as the sandbox sees it and as Nexus forwards it.
    struct Route: Sendable, Hashable {
        /// The IPv4 address the relay listens on inside the sandbox (host byte order).
        var localAddress: UInt32
        var port: UInt16
        /// Where Nexus connects: the entry's host name or address.
        var host: String
        /// Whether the destination may be on loopback or link-local addresses: only when the
        /// entry itself names loopback (a name that resolves there must not reach the machine's
        /// own services, or a cloud metadata endpoint).
        var mayReachLocalAddresses: Bool
    }

    /// The relays for a policy's network entries, and the /etc/hosts that points the host names
    /// at them. Entries that do not parse, and IPv6 addresses, get none.
    /// - Throws: `NexusError(.invalidPolicy)` past ``maxRelays``.
    static func routes(for entries: [String]) throws -> (routes: [Route], hosts: String) {
        let reserved = reservedPorts
        var routes: [Route] = []
        var names: [String: UInt32] = [:]
        var hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        for entry in entries {
            guard let destination = try? NetworkDestination(entry: entry) else { continue }
            let ports = destination.port.flatMap(UInt16.init(exactly:)).map { [$0] } ?? defaultPorts
            let local: UInt32
            let loopback: Bool
            if destination.host == "localhost" {
                (local, loopback) = (0x7f00_0001, true)
            } else if let address = ipv4(destination.host) {
                (local, loopback) = (address, address >> 24 == 127)
            } else if destination.host.contains(":") {
                continue  // an IPv6 address: not relayed
            } else if let known = names[destination.host] {
                (local, loopback) = (known, false)
            } else {
                let index = UInt32(names.count)
                local = 0x7f00_0002 + (index / 250) << 8 + index % 250  // 127.0.0.2, 127.0.0.3, ...
                loopback = false
                names[destination.host] = local
                hosts += "\(dotted(local))\t\(destination.host)\n"
            }
            for port in ports where !reserved.contains(port) {
                let route = Route(localAddress: local, port: port, host: destination.host, mayReachLocalAddresses: loopback)
                if !routes.contains(where: { $0.localAddress == local && $0.port == port }) { routes.append(route) }
            }
        }
        guard routes.count <= maxRelays else {
            throw NexusError(.invalidPolicy, "the policy's network entries make \(routes.count) host:port pairs; the sandbox relays at most \(maxRelays): name fewer hosts or give each one port")
        }
        return (routes, hosts)
    }

    /// The TCP ports of `routes`, for Landlock's connect rules.
    static func connectPorts(of routes: [Route]) -> [UInt16] {
        Array(Set(routes.map(\.port))).sorted()
    }

    static func ipv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard let byte = UInt8(part), part.count <= 3 else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }

    static func dotted(_ address: UInt32) -> String {
        [24, 16, 8, 0].map { String(address >> UInt32($0) & 0xff) }.joined(separator: ".")
    }
}
