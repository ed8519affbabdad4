import Foundation
import Glibc
import NexusCore

/// `web_fetch` judges a host by what it resolves to, as the sandbox's relays do: a name the policy
/// allows must not lead to this machine's own services (loopback, link-local such as a cloud
/// metadata address, unspecified) unless the policy entry itself names loopback, and Nexus's own
/// listener is never a destination. (Between this check and the client's own lookup a name could
/// change its answer; names from `/etc/hosts` and ordinary DNS do not.)
public struct FetchAddressCheck: Sendable {
    /// One address a host resolves to.
    public struct Address: Sendable {
        public var text: String
        public var isLocal: Bool

        public init(text: String, isLocal: Bool) {
            self.text = text
            self.isLocal = isLocal
        }
    }

    /// Resolves a host; the real one asks the system's resolver.
    public var resolve: @Sendable (String, Int) -> [Address]
    /// Ports Nexus itself listens on.
    public var reservedPorts: Set<UInt16>

    /// - Parameters:
    ///   - resolve: The resolver (the system's by default; tests give their own answers).
    ///   - reservedPorts: Nexus's own listener ports (those `nexus serve` reserved by default).
    public init(resolve: @escaping @Sendable (String, Int) -> [Address] = FetchAddressCheck.systemResolve,
                reservedPorts: Set<UInt16> = SandboxNetwork.reservedPorts) {
        self.resolve = resolve
        self.reservedPorts = reservedPorts
    }

    /// Why `host:port` must not be fetched, or nil.
    public func refusal(host: String, port: Int, destinations: [NetworkDestination]) -> String? {
        let namesLoopback = destinations.contains { $0.allows(host: host, port: port) && AccessPolicy.isLoopback(host: $0.host) }
        for address in resolve(host, port) where address.isLocal {
            if reservedPorts.contains(UInt16(clamping: port)) {
                return "\(host):\(port) is Nexus's own listener, which no tool may reach"
            }
            if !namesLoopback {
                return "\(host) resolves to \(address.text), an address of this machine (loopback or link-local); only a network entry that names loopback itself (127.0.0.1, localhost, [::1]) reaches this machine's services"
            }
        }
        return nil
    }

    /// The system resolver's answers; none when the name does not resolve (the client reports that).
    @Sendable public static func systemResolve(_ host: String, _ port: Int) -> [Address] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard getaddrinfo(bare, String(port), &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var found: [Address] = []
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next {
            next = info.pointee.ai_next
            guard let address = info.pointee.ai_addr else { continue }
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            _ = getnameinfo(address, info.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST)
            let numeric = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            found.append(Address(text: numeric, isLocal: NetworkRelay.isLocal(address)))
        }
        return found
    }
}
