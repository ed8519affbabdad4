import Glibc

/// Writing to a child that has exited raises SIGPIPE, which would end Nexus. Callers that talk to
/// a child over pipes on a thread of their own block it there for the call: a write then fails
/// with EPIPE instead, and a SIGPIPE left pending is taken before the thread goes back to others.
public enum PipeSignal {
    /// Runs `body` with SIGPIPE blocked on this thread.
    public static func blocked<T>(_ body: () throws -> T) rethrows -> T {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
        defer {
            var none = timespec(tv_sec: 0, tv_nsec: 0)
            while sigtimedwait(&pipeSignal, nil, &none) == SIGPIPE {}
        }
        return try body()
    }
}
