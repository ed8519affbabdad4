#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A plain TCP connection to 127.0.0.1 for tests that must send what no HTTP client sends: half a
/// request head, a stalled body, a chunked body. Every read waits at most `readTimeout`.
final class RawConnection: @unchecked Sendable {  // used by one task at a time
    private let socket: Int32

    init(port: Int, readTimeout: Duration = .seconds(5)) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure("socket: errno \(errno)") }
        let seconds = readTimeout.components.seconds
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int(readTimeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw Failure("connect to 127.0.0.1:\(port): errno \(errno)")
        }
    }

    deinit { close(socket) }

    /// A port of 127.0.0.1 that was free a moment ago.
    static func freePort() throws -> Int {
        let probe = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(probe) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(probe, $0, length) == 0 && getsockname(probe, $0, &length) == 0
            }
        }
        guard bound else { throw Failure("cannot find a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A connection to a server that is starting: retried for up to 10 s until it accepts.
    static func waitingForServer(port: Int) async throws -> RawConnection {
        for _ in 0..<100 {
            if let connection = try? RawConnection(port: port) { return connection }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw Failure("nothing listens on 127.0.0.1:\(port) after 10 s")
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Sends `text` (ignoring a peer that already closed: what it answered can still be read).
    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// What a read sees: bytes, the peer's close, or nothing before the timeout.
    enum Read: Equatable {
        case bytes(String)
        case closed
        case timedOut
    }

    func read() -> Read {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        if count > 0 { return .bytes(String(decoding: buffer[0..<count], as: UTF8.self)) }
        if count == 0 { return .closed }
        return errno == EAGAIN || errno == EWOULDBLOCK ? .timedOut : .closed
    }

    /// Reads until `marker` has arrived, the peer closes or a read times out; returns what was read.
    func read(until marker: String) -> String {
        var text = ""
        while !text.contains(marker), case .bytes(let more) = read() { text += more }
        return text
    }

    /// Reads until the peer closes or a read times out; returns everything read and how it ended.
    func readAll() -> (text: String, closed: Bool) {
        var text = ""
        while true {
            switch read() {
            case .bytes(let more): text += more
            case .closed: return (text, true)
            case .timedOut: return (text, false)
            }
        }
    }
}

/// Runs a blocking socket call on a dispatch thread, so it never holds a thread of the cooperative
/// pool that the server under test needs.
func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: body()) }
    }
}
