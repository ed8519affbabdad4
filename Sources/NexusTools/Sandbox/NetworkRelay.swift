import Foundation
import Glibc
import Synchronization

/// Forwards the connections a sandboxed command makes to its relay listeners (see
/// ``SandboxNetwork``) to the destinations they stand for, from Nexus's own network.
///
/// One thread accepts on every listener; each connection gets a thread that resolves the
/// destination, refuses loopback, link-local and unspecified addresses unless the policy entry
/// named loopback itself (so a host name that resolves to 127.0.0.1 or 169.254.169.254 reaches
/// neither the machine's services nor a cloud metadata endpoint), connects, and copies bytes
/// both ways. ``stop()`` ends them all when the command ends.
final class NetworkRelay: Sendable {
    private let listeners: [(fd: Int32, route: SandboxNetwork.Route)]
    /// Closing the write end wakes every thread of the relay (POLLHUP on the read end).
    private let stopRead: Int32
    private let stopWrite = Mutex<Int32>(-1)
    private let active = Atomic<Int>(0)

    /// The most connections relayed at once; more are closed as they come.
    static let maxConnections = 64

    init(listeners: [(fd: Int32, route: SandboxNetwork.Route)]) {
        self.listeners = listeners
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) != 0 { ends = [-1, -1] }
        for fd in ends where fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        stopRead = ends[0]
        stopWrite.withLock { $0 = ends[1] }
    }

    deinit {
        for listener in listeners { close(listener.fd) }
        if stopRead >= 0 { close(stopRead) }
        stopWrite.withLock { if $0 >= 0 { close($0) } }
    }

    func start() {
        let thread = Thread { self.acceptLoop() }
        thread.name = "nexus-sandbox-relay"
        thread.start()
    }

    /// Ends the relay: no more connections, and the open ones are cut.
    func stop() {
        stopWrite.withLock { fd in
            if fd >= 0 { close(fd) }
            fd = -1
        }
    }

    private func acceptLoop() {
        var fds = listeners.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        fds.append(pollfd(fd: stopRead, events: Int16(POLLIN), revents: 0))
        while true {
            for index in fds.indices { fds[index].revents = 0 }
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[fds.count - 1].revents != 0 { return }
            for (index, entry) in fds.dropLast().enumerated() where entry.revents != 0 {
                let client = accept(entry.fd, nil, nil)
                guard client >= 0 else { continue }
                _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                guard active.add(1, ordering: .relaxed).newValue <= Self.maxConnections else {
                    active.subtract(1, ordering: .relaxed)
                    close(client)
                    continue
                }
                let route = listeners[index].route
                let thread = Thread {
                    self.relay(client, to: route)
                    self.active.subtract(1, ordering: .relaxed)
                }
                thread.name = "nexus-sandbox-relay-connection"
                thread.start()
            }
        }
    }

    private func relay(_ client: Int32, to route: SandboxNetwork.Route) {
        defer { close(client) }
        guard let upstream = connect(to: route) else { return }
        defer { close(upstream) }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        var directions: [Int32: Int32] = [client: upstream, upstream: client]  // readable side -> its peer
        while !directions.isEmpty {
            var fds = directions.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            fds.append(pollfd(fd: stopRead, events: Int16(POLLIN), revents: 0))
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                return
            }
            if fds[fds.count - 1].revents != 0 { return }
            for entry in fds.dropLast() where entry.revents != 0 {
                guard let peer = directions[entry.fd] else { continue }
                let count = read(entry.fd, &buffer, buffer.count)
                if count > 0, Self.writeAll(buffer[..<count], to: peer) { continue }
                // End of this direction: pass the end on, keep the other direction going.
                shutdown(peer, Int32(SHUT_WR))
                directions[entry.fd] = nil
                if count < 0 && errno != ECONNRESET { return }
            }
        }
    }

    /// A connected socket to the route's destination, or nil (the client then sees its
    /// connection closed).
    private func connect(to route: SandboxNetwork.Route) -> Int32? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(route.host, String(route.port), &hints, &list) == 0, let first = list else { return nil }
        defer { freeaddrinfo(first) }
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let info = next {
            next = info.pointee.ai_next
            guard let address = info.pointee.ai_addr else { continue }
            if !route.mayReachLocalAddresses && Self.isLocal(address) { continue }
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            if Glibc.connect(fd, address, info.pointee.ai_addrlen) == 0 {
                var none = timeval(tv_sec: 0, tv_usec: 0)
                _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, socklen_t(MemoryLayout<timeval>.size))
                return fd
            }
            close(fd)
        }
        return nil
    }

    /// Loopback, link-local, unspecified and (IPv6) v4-mapped forms of them.
    static func isLocal(_ address: UnsafePointer<sockaddr>) -> Bool {
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            let value = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
            return isLocal(ipv4: value)
        case AF_INET6:
            let bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
            }
            if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return true }  // fe80::/10
            if bytes[..<15].allSatisfy({ $0 == 0 }) && bytes[15] <= 1 { return true }  // :: and ::1
            if bytes[..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {  // ::ffff:a.b.c.d
                let value = bytes[12...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                return isLocal(ipv4: value)
            }
            return false
        default:
            return true
        }
    }

    static func isLocal(ipv4 value: UInt32) -> Bool {
        value >> 24 == 127 || value >> 16 == 0xa9fe || value >> 24 == 0  // 127/8, 169.254/16, 0/8
    }

    private static func writeAll(_ bytes: ArraySlice<UInt8>, to fd: Int32) -> Bool {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let written = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }
}
