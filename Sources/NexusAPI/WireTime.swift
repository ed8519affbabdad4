public import Foundation

/// Time as the wire formats write it.
public enum WireTime {
    /// RFC 3339 with fractional seconds, as Ollama writes `created_at` and `modified_at`.
    public static func rfc3339(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Whole seconds since 1970, as OpenAI writes `created`.
    public static func unix(_ date: Date) -> Int { Int(date.timeIntervalSince1970) }

    /// Nanoseconds, as Ollama writes every duration.
    public static func nanoseconds(_ seconds: Double) -> Int { Int((seconds * 1e9).rounded()) }
}
