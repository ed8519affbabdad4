import Foundation
import Glibc

/// The three pipes of a worker, read and written without blocking past a deadline: a worker
/// that stops reading or never writes cannot hold its caller. Its stderr is drained as it
/// comes (kept up to a few KB, for messages) so it never blocks on a full pipe.
struct Pipes {
    private var stdin: Int32
    private var stdout: Int32
    private var stderr: Int32
    private var pending: [UInt8] = []
    private var stderrBytes: [UInt8] = []

    enum WriteResult { case done, timedOut, closed }
    enum ReadResult { case line(String), timedOut, closed, tooLong }

    init(stdin: Int32, stdout: Int32, stderr: Int32) {
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        for fd in [stdin, stdout, stderr] where fd >= 0 {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
    }

    /// What the worker wrote to stderr, as text.
    var stderrText: String { String(decoding: stderrBytes, as: UTF8.self) }

    /// Writes `line` and a newline.
    mutating func write(_ line: String, deadline: Double) -> WriteResult {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        var written = 0
        while written < bytes.count {
            guard stdin >= 0 else { return .closed }
            let count = bytes[written...].withUnsafeBytes { Glibc.write(stdin, $0.baseAddress, $0.count) }
            if count > 0 {
                written += count
                continue
            }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && errno != EAGAIN { return .closed }
            guard wait(for: stdin, events: POLLOUT, deadline: deadline) else { return .timedOut }
        }
        return .done
    }

    /// The next line from stdout, at most `maxBytes` long.
    mutating func readLine(maxBytes: Int, deadline: Double, stderrLimit: Int) -> ReadResult {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var searched = 0
        while true {
            if let newline = pending[searched...].firstIndex(of: 0x0A) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return .line(line)
            }
            searched = pending.count
            if pending.count > maxBytes { return .tooLong }
            guard stdout >= 0 else { return .closed }
            let count = read(stdout, &chunk, chunk.count)
            if count > 0 {
                pending.append(contentsOf: chunk[..<count])
                continue
            }
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) {
                Self.close(&stdout)
                drainStderr(limit: stderrLimit, until: SandboxClock.now() + 0.5)
                return .closed
            }
            if count < 0 && errno == EINTR { continue }
            // Nothing yet: wait for stdout, draining stderr meanwhile.
            var fds = [pollfd(fd: stdout, events: Int16(POLLIN), revents: 0)]
            if stderr >= 0 { fds.append(pollfd(fd: stderr, events: Int16(POLLIN), revents: 0)) }
            let remaining = deadline - SandboxClock.now()
            guard remaining > 0 else { return .timedOut }
            if poll(&fds, nfds_t(fds.count), Int32(min(remaining, 3600) * 1000) + 1) < 0 && errno != EINTR { return .closed }
            if fds.count > 1 && fds[1].revents != 0 { readStderr(limit: stderrLimit) }
        }
    }

    private mutating func drainStderr(limit: Int, until deadline: Double) {
        while stderr >= 0 && SandboxClock.now() < deadline {
            var fds = [pollfd(fd: stderr, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 1, 50)
            if fds[0].revents == 0 { return }
            readStderr(limit: limit)
        }
    }

    private mutating func readStderr(limit: Int) {
        var chunk = [UInt8](repeating: 0, count: 4096)
        let count = read(stderr, &chunk, chunk.count)
        if count > 0 {
            stderrBytes.append(contentsOf: chunk[..<min(count, max(0, limit - stderrBytes.count))])
        } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
            Self.close(&stderr)
        }
    }

    private func wait(for fd: Int32, events: Int32, deadline: Double) -> Bool {
        let remaining = deadline - SandboxClock.now()
        guard remaining > 0 else { return false }
        var fds = [pollfd(fd: fd, events: Int16(events), revents: 0)]
        _ = poll(&fds, 1, Int32(min(remaining, 3600) * 1000) + 1)
        return true
    }

    mutating func closeAll() {
        Self.close(&stdin)
        Self.close(&stdout)
        Self.close(&stderr)
    }

    private static func close(_ fd: inout Int32) {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }
}
