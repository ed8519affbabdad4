import Dispatch

/// Blocking work (file system calls, a synchronous SQLite statement, a sandboxed process) run on
/// a Dispatch thread, so that it never holds one of the cooperative pool's few threads.
public enum BlockingWork {
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
