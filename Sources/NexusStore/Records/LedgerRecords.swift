public import NexusCore

/// One stored ledger entry: a privileged change (promotion, install, rollback, self-modification,
/// key change), its subject's content id, who did it and when, signed by the installation's key.
public struct LedgerEntryRecord: Sendable, Hashable {
    /// The 0-based leaf index in the Merkle log.
    public var position: Int
    /// "promote", "install", "rollback", "self_modify", "key_create", "key_rotate", ...
    public var action: String
    /// The content id of what changed.
    public var subject: String
    public var actor: String
    /// Milliseconds since 1970.
    public var timeMillis: Int64
    /// Action-specific facts (module name and version, setting key, ...), a JSON object.
    public var detail: JSONObject
    /// The id of the key that signed it.
    public var keyID: String
    /// Base64 Ed25519 signature of the entry's canonical bytes.
    public var signature: String

    public init(position: Int, action: String, subject: String, actor: String, timeMillis: Int64, detail: JSONObject, keyID: String, signature: String) {
        self.position = position
        self.action = action
        self.subject = subject
        self.actor = actor
        self.timeMillis = timeMillis
        self.detail = detail
        self.keyID = keyID
        self.signature = signature
    }
}

/// A signed statement of the Merkle root of the ledger's first `treeSize` entries.
public struct LedgerCheckpointRecord: Sendable, Hashable {
    public var treeSize: Int
    /// Lowercase hex of the RFC 6962 Merkle tree hash.
    public var rootHash: String
    public var timeMillis: Int64
    public var keyID: String
    /// Base64 Ed25519 signature of the checkpoint's canonical bytes.
    public var signature: String

    public init(treeSize: Int, rootHash: String, timeMillis: Int64, keyID: String, signature: String) {
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.timeMillis = timeMillis
        self.keyID = keyID
        self.signature = signature
    }
}
