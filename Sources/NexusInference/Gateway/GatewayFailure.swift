import NexusCore

/// How the gateway treats a failed attempt.
public enum GatewayFailureClass: String, Sendable, Hashable {
    /// Worth another try, here or on the next route: a timeout, a refused or broken connection,
    /// 408, 429, a 5xx, a stream cut mid-answer.
    case retryable
    /// The same request would fail the same way on this route: another 4xx, a refusal, output
    /// that breaks its schema, a request the model cannot take. The next route may still serve it.
    case terminal

    /// Sorts a backend's error. Cancellation is not a failure and is never passed here.
    public static func of(_ error: any Error) -> GatewayFailureClass {
        if error is GatewayTimeout { return .retryable }
        guard let error = error as? NexusError else { return .retryable }
        if let status = error.upstreamStatus {
            return status == 408 || status == 429 || status >= 500 ? .retryable : .terminal
        }
        switch error.code {
        case .backendUnavailable, .inferenceFailed, .modelLoadFailed:
            return .retryable
        case .backendError:
            // An error the server sent inside the stream, after a 200: its own failure.
            return .retryable
        default:
            // Schema violations, malformed tool calls, context overflow, unknown models, bad arguments.
            return .terminal
        }
    }
}

/// An attempt that ran past its route's `timeout_seconds`.
public struct GatewayTimeout: Error, Sendable, CustomStringConvertible {
    public var seconds: Double
    public var description: String { "no complete answer within \(seconds) s" }
}
