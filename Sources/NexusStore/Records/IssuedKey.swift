public import NexusCore

/// A key just created or rotated, with its secret: the only time the secret exists outside the
/// caller's hands. Show it to the user once and drop it; Nexus keeps only its SHA-256.
///
/// Printing or dumping the value shows the key's id and role, never the secret, so that a stray
/// log line cannot leak it; read `secret` explicitly to show it.
public struct IssuedKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let record: KeyRecord
    /// `nxk_` and 43 characters of base64url: 32 random bytes.
    public let secret: String

    public init(record: KeyRecord, secret: String) {
        self.record = record
        self.secret = secret
    }

    public var description: String { "\(record.id) (\(record.role), secret hidden)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["record": record, "secret": "(hidden)"]) }
}
