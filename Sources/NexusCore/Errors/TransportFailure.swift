/// Plain words for a network failure, shared by everything that talks HTTP (remote backends,
/// `web_fetch`), without the library type names a user cannot act on.
public enum TransportFailure {
    /// Known failures, matched case-insensitively against the error's description, first match wins.
    private static let reasons: [(needle: String, reason: String)] = [
        ("Connection refused", "connection refused"), ("connectTimeout", "connection timed out"),
        ("deadlineExceeded", "no answer in time"), ("readTimeout", "no data in time"),
        ("remoteConnectionClosed", "the server closed the connection"),
        ("No route to host", "no route to host"), ("Network is unreachable", "network unreachable"),
        ("Name or service not known", "unknown host"), ("nodename nor servname", "unknown host"),
        ("NXDOMAIN", "unknown host"), ("lookup", "the host name could not be resolved"),
        ("handshake", "the TLS handshake failed"), ("certificate", "the server's certificate was not accepted"),
    ]

    /// A short, one-line reason for `error`.
    public static func reason(_ error: any Error) -> String {
        let text = String(describing: error)
        let lowered = text.lowercased()
        if let known = reasons.first(where: { lowered.contains($0.needle.lowercased()) }) {
            return known.reason
        }
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
