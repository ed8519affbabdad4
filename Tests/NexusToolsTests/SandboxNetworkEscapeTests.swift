import Foundation
import Glibc
import NexusCore
import NexusTools
import Testing

/// Sockets by an allow-list of families (AF_INET/AF_INET6 only with network, AF_UNIX only as a
/// pair), TCP connect only to the policy's ports, and never to Nexus's own listener.
@Suite(.enabled(if: sandboxSupported, "the sandbox needs Landlock"))
struct SandboxNetworkEscapeTests {
    /// Python that tries socket() in each family and prints "name errno" (0: created).
    static let familiesScript = """
        import socket
        families = [("inet", 2, 1), ("inet6", 10, 1), ("unix", 1, 1), ("netlink", 16, 3), ("packet", 17, 3),
                    ("vsock", 40, 1), ("alg", 38, 5), ("key", 15, 3), ("bluetooth", 31, 1), ("rds", 21, 5),
                    ("tipc", 30, 2), ("xdp", 44, 3), ("can", 29, 3), ("mctp", 45, 2)]
        for name, family, kind in families:
            try:
                socket.socket(family, kind).close()
                print(name, 0)
            except OSError as e:
                print(name, e.errno)
        """

    @Test func onlyAllowedSocketFamiliesCanBeCreatedWithoutNetwork() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.python(Self.familiesScript)
        let expected = ["inet", "inet6", "unix", "netlink", "packet", "vsock", "alg", "key", "bluetooth", "rds", "tipc", "xdp", "can", "mctp"]
            .map { "\($0) 1\n" }.joined()
        #expect(outcome.stdout == expected)
        try await fixture.expectStillWorking()
    }

    @Test func networkAllowsInternetSocketsOnly() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.python(Self.familiesScript, policy: fixture.policy(network: ["example.com:443"]))
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "inet 0")
        // inet6 may be missing from the host (EAFNOSUPPORT) but is not refused by the sandbox.
        #expect(lines.count == 14 && lines[1] != "inet6 1")
        #expect(lines.dropFirst(2).allSatisfy { $0.hasSuffix(" 1") })
        try await fixture.expectStillWorking()
    }

    @Test func socketPairsStayAvailable() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.python("""
            import socket
            a, b = socket.socketpair()
            a.send(b"pair ok"); print(b.recv(16).decode())
            try:
                socket.socketpair(socket.AF_INET)
            except OSError as e:
                print("inet pair", e.errno)
            """)
        #expect(outcome.stdout.hasPrefix("pair ok\ninet pair "))
        #expect(outcome.stdout != "pair ok\ninet pair 0\n")
    }

    @Test func nexusOwnListenerIsUnreachableWhateverThePolicyAllows() async throws {
        let fixture = try SandboxFixture()
        let listener = try LoopbackListener()
        SandboxNetwork.reserveListenerPort(Int(listener.port))
        defer { SandboxNetwork.releaseListenerPort(Int(listener.port)) }
        // The policy names exactly Nexus's address; the port is still refused (EACCES).
        for entry in ["127.0.0.1:\(listener.port)", "localhost:\(listener.port)", "[::1]:\(listener.port)"] {
            let outcome = try await fixture.python(connectScript(port: listener.port), policy: fixture.policy(network: [entry]))
            #expect(outcome.stdout == "failed 13 Permission denied\n", "\(entry)")
        }
        #expect(!listener.acceptedConnection())
        try await fixture.expectStillWorking()
    }

    @Test func aHostWithoutAPortOpensOnlyTheWebPorts() async throws {
        let fixture = try SandboxFixture()
        let listener = try LoopbackListener()
        // Any host entry used to open every TCP port of every host, loopback included.
        let outcome = try await fixture.python(connectScript(port: listener.port), policy: fixture.policy(network: ["example.com"]))
        #expect(outcome.stdout == "failed 13 Permission denied\n")
        #expect(!listener.acceptedConnection())
        try await fixture.expectStillWorking()
    }

    @Test func anotherHostOnAnAllowedPortIsUnreachable() async throws {
        let fixture = try SandboxFixture()
        let listener = try LoopbackListener()
        // The port is allowed for one host only; the machine's own loopback service on that
        // port is another host, and there is nothing at 127.0.0.1 in the sandbox's network.
        let outcome = try await fixture.python(connectScript(port: listener.port), policy: fixture.policy(network: ["api.example.invalid:\(listener.port)"]))
        #expect(outcome.stdout == "failed 111 Connection refused\n")
        #expect(!listener.acceptedConnection(within: 0.3))
        try await fixture.expectStillWorking()
    }

    @Test func anAllowedHostIsReachedThroughTheRelay() async throws {
        let fixture = try SandboxFixture()
        let listener = try LoopbackListener()
        let outcome = try await fixture.python(connectScript(port: listener.port, host: "localhost"), policy: fixture.policy(network: ["localhost:\(listener.port)"]))
        #expect(outcome.stdout == "CONNECTED\n")
        #expect(listener.acceptedConnection())
        try await fixture.expectStillWorking()
    }

    @Test func aNameThatResolvesToLoopbackDoesNotReachTheMachinesServices() async throws {
        // Needs a host name other than localhost that the machine resolves to 127.0.0.1 (its
        // own name, on most Linux machines and containers).
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        let name = String(cString: buffer)
        guard name != "localhost", Self.resolvesToLoopback(name) else { return }
        let fixture = try SandboxFixture()
        let listener = try LoopbackListener()
        // The relay refuses the loopback address the name resolves to (as it would a cloud
        // metadata address), so the command's connection is closed unanswered.
        let outcome = try await fixture.python("""
            import socket
            s = socket.create_connection(("\(name)", \(listener.port)), timeout=2)
            print("closed" if s.recv(1) == b"" else "answered")
            """, policy: fixture.policy(network: ["\(name):\(listener.port)"]))
        #expect(outcome.stdout == "closed\n")
        #expect(!listener.acceptedConnection(within: 0.5))
        try await fixture.expectStillWorking()
    }

    private static func resolvesToLoopback(_ name: String) -> Bool {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(first) }
        return first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
            UInt32(bigEndian: $0.pointee.sin_addr.s_addr) == 0x7f00_0001
        }
    }

    @Test func udpReachesNothingOutsideTheSandbox() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.python("""
            import socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.sendto(b"x", ("8.8.8.8", 53))
                print("sent")
            except OSError as e:
                print("failed", e.errno)
            """, policy: fixture.policy(network: ["example.com:443"]))
        #expect(outcome.stdout == "failed 101\n")  // ENETUNREACH: only loopback in its network
    }

    @Test func tcpListeningIsRefusedEvenWithNetwork() async throws {
        let fixture = try SandboxFixture()
        let outcome = try await fixture.python("""
            import socket
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", 0))
                print("bound")
            except OSError as e:
                print("failed", e.errno)
            """, policy: fixture.policy(network: ["example.com:443"]))
        #expect(outcome.stdout == "failed 13\n")
    }
}
