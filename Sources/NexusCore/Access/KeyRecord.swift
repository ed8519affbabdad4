public import Foundation

/// An API key as Nexus keeps it: who it is for and what it may do, never its secret.
///
/// The secret (`nxk_…`) is shown once when the key is created or rotated; the database keeps only
/// its SHA-256 hash, which this value does not carry either.
public struct KeyRecord: Sendable, Codable, Hashable, Identifiable {
    /// The public identifier, `key_` and 12 characters; safe to show and to log.
    public var id: String
    /// What the key is for, in the owner's words ("ci", "laptop").
    public var name: String
    public var role: Role
    /// The org it acts in: it sees and changes only that org's things.
    public var org: OrgName
    public var createdAt: Date
    /// When it was revoked; a revoked key never authenticates again.
    public var revokedAt: Date?
    /// When it last authenticated, to the nearest minute (see `KeyRecord.lastUsedResolution`).
    public var lastUsedAt: Date?
    /// For a key issued by rotation, the id of the key it replaced.
    public var rotatedFrom: String?

    /// How stale `lastUsedAt` may be: it is written at most once per this many seconds per key,
    /// so that authenticating a busy key does not write to the database on every request.
    public static let lastUsedResolution: TimeInterval = 60

    public init(id: String, name: String, role: Role, org: OrgName = .default, createdAt: Date, revokedAt: Date? = nil,
                lastUsedAt: Date? = nil, rotatedFrom: String? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.org = org
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
        self.rotatedFrom = rotatedFrom
    }

    /// Whether the key still authenticates.
    public var isActive: Bool { revokedAt == nil }

    /// Whether this key administers the whole server (makes orgs, and keys in any org): an
    /// owner key of the default org.
    public var isServerOwner: Bool { role == .owner && org == .default }
}

/// Turns a presented secret into the key it belongs to. `KeyStore` (NexusStore) is the real one;
/// tests can use a dictionary.
public protocol KeyAuthenticator: Sendable {
    /// The active key whose secret is `secret`, or nil when there is none: unknown, revoked and
    /// malformed secrets all give nil, so a caller cannot tell them apart.
    /// - Throws: only when the keys cannot be read at all (the database is unavailable).
    func authenticate(secret: String) throws -> KeyRecord?
    /// The same, from async code: a store answers without blocking the cooperative pool.
    func authenticateAsync(secret: String) async throws -> KeyRecord?
}

extension KeyAuthenticator {
    /// For authenticators that hold their keys in memory (tests): the synchronous check.
    public func authenticateAsync(secret: String) async throws -> KeyRecord? {
        try authenticate(secret: secret)
    }
}
