public import Foundation
public import NexusCore
public import NexusStore

/// The signed, append-only ledger of privileged changes: promotions, installs, rollbacks,
/// self-modifications and key changes. Each entry names its subject's content id, the actor and
/// the time, is signed with the installation's Ed25519 key, and becomes a leaf of an RFC 6962
/// Merkle log whose root is signed in a checkpoint after every append.
///
/// After every append the newest checkpoint is also written to `$NEXUS_HOME/ledger.head`
/// (``LedgerHead``), outside the database, so cutting entries off the log's end is caught.
///
/// The first use creates the key (`$NEXUS_HOME/keys/ledger.ed25519`) and records a `key_create`
/// entry; `rotateKey` records a `key_rotate` entry signed by the old key, so the chain of keys is
/// itself verifiable.
public struct Ledger: Sendable, SelfModificationRecorder {
    let store: LedgerStore
    let database: NexusDatabase
    let home: URL

    /// A ledger over `database`, its key in `home`.
    public init(database: NexusDatabase, home: URL) {
        self.store = LedgerStore(database: database)
        self.database = database
        self.home = home
    }

    /// The entries, in log order.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func entries() throws -> [LedgerEntryRecord] {
        try store.entries()
    }

    /// The signing key, created (with its `key_create` entry) on first use.
    /// - Throws: `NexusError(.keyUnavailable)` when the key file is unreadable, or missing while
    ///   the ledger already has entries (restore it from a backup).
    public func key() throws -> SigningKey {
        if let key = try SigningKey.load(home: home) {
            if try store.entries().isEmpty {
                try appendKeyCreation(key)
            }
            return key
        }
        let existing = try store.entries()
        if let last = existing.last {
            throw NexusError(.keyUnavailable, "the ledger key \(SigningKey.file(home: home).path) is missing, but the ledger already has \(existing.count) entries signed by key \(last.keyID); restore the key file from a backup")
        }
        let key = SigningKey.generate()
        try key.save(home: home)
        try appendKeyCreation(key)
        return key
    }

    /// Appends a signed entry (and checkpoint) together with the changes it records.
    /// - Parameters:
    ///   - action: "promote", "install", "rollback", "self_modify", ...
    ///   - subject: The content id of what changed.
    ///   - actor: Who: "user", "agent", "run:<id>".
    ///   - detail: Facts for people reading the log (names, versions).
    ///   - changes: Store changes saved in the same transaction.
    /// - Returns: The stored entry.
    /// - Throws: `NexusError(.keyUnavailable)` or `.databaseFailed`.
    @discardableResult
    public func append(action: String, subject: String, actor: String, detail: JSONObject = JSONObject(),
                       changes: [StoreChange] = []) throws -> LedgerEntryRecord {
        let key = try key()
        return try append(action: action, subject: subject, actor: actor, detail: detail, changes: changes, signer: key)
    }

    /// Replaces the signing key with a new one; the change is signed by the old key.
    /// - Returns: The `key_rotate` entry.
    /// - Throws: `NexusError(.keyUnavailable)` or `.databaseFailed`.
    @discardableResult
    public func rotateKey(actor: String) throws -> LedgerEntryRecord {
        let old = try key()
        let new = SigningKey.generate()
        let entry = try append(action: "key_rotate", subject: new.id, actor: actor,
                               detail: ["public_key": .string(new.publicKeyBase64), "previous": .string(old.id)],
                               changes: [.node(Self.keyNode(new)), .edge(GraphEdge(source: "key:\(new.id)", kind: .replaces, target: "key:\(old.id)"))],
                               signer: old)
        try new.save(home: home)
        return entry
    }

    public func recordSelfModification(key: String, version: Int, value: String, reason: String, actor: String) throws {
        try append(action: "self_modify", subject: ContentID.setting(key: key, version: version, value: value), actor: actor,
                   detail: ["key": .string(key), "version": .number(Double(version)), "reason": .string(reason)])
    }

    // MARK: - Entries

    private func appendKeyCreation(_ key: SigningKey) throws {
        _ = try append(action: "key_create", subject: key.id, actor: "nexus", detail: ["public_key": .string(key.publicKeyBase64)],
                   changes: [.node(Self.keyNode(key))], signer: key)
    }

    private func append(action: String, subject: String, actor: String, detail: JSONObject, changes: [StoreChange],
                        signer: SigningKey) throws -> LedgerEntryRecord {
        var signedCheckpoint: LedgerCheckpointRecord?
        let stored = try store.append(changes: changes) { existing in
            let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
            var entry = LedgerEntryRecord(position: existing.count, action: action, subject: subject, actor: actor, timeMillis: now,
                                          detail: detail, keyID: signer.id, signature: "")
            entry.signature = Data(try signer.sign(LedgerFormat.signedMessage(entry))).base64EncodedString()
            let leaves = (existing + [entry]).map { MerkleTree.leafHash(LedgerFormat.leafData($0)) }
            var checkpoint = LedgerCheckpointRecord(treeSize: leaves.count, rootHash: ContentID.hex(MerkleTree.root(leaves)), timeMillis: now,
                                                    keyID: signer.id, signature: "")
            checkpoint.signature = Data(try signer.sign(LedgerFormat.signedMessage(checkpoint))).base64EncodedString()
            signedCheckpoint = checkpoint
            return (entry, checkpoint)
        }
        // After the commit: the head outside the database never names entries the log lacks.
        if let signedCheckpoint { try LedgerHead.advance(home: home, to: signedCheckpoint) }
        return stored
    }

    static func keyNode(_ key: SigningKey) -> GraphNode {
        GraphNode(id: "key:\(key.id)", kind: "key", label: "ledger key \(key.id)",
                  metadata: ["algorithm": "ed25519", "public_key": .string(key.publicKeyBase64)])
    }
}

/// The bytes that are signed and hashed for entries and checkpoints.
public enum LedgerFormat {
    /// The entry's fields (without its signature) as canonical JSON.
    public static func payload(_ entry: LedgerEntryRecord) -> JSONValue {
        ["position": .number(Double(entry.position)), "action": .string(entry.action), "subject": .string(entry.subject),
         "actor": .string(entry.actor), "time_ms": .number(Double(entry.timeMillis)), "detail": .object(entry.detail),
         "key": .string(entry.keyID)]
    }

    /// What the entry's signature signs: a domain line and the canonical payload.
    public static func signedMessage(_ entry: LedgerEntryRecord) -> [UInt8] {
        Array("nexus-ledger-entry/1\n".utf8) + CanonicalJSON.bytes(payload(entry))
    }

    /// The Merkle leaf: the canonical payload with its signature.
    public static func leafData(_ entry: LedgerEntryRecord) -> [UInt8] {
        guard case .object(var object) = payload(entry) else { return [] }
        object["signature"] = .string(entry.signature)
        return CanonicalJSON.bytes(.object(object))
    }

    /// What a checkpoint's signature signs.
    public static func signedMessage(_ checkpoint: LedgerCheckpointRecord) -> [UInt8] {
        Array("nexus-ledger-checkpoint/1\n\(checkpoint.treeSize)\n\(checkpoint.rootHash)\n\(checkpoint.timeMillis)\n\(checkpoint.keyID)".utf8)
    }

    /// The entry as JSON, with its signature (for bundles and `--json` output).
    public static func json(_ entry: LedgerEntryRecord) -> JSONValue {
        guard case .object(var object) = payload(entry) else { return .null }
        object["signature"] = .string(entry.signature)
        return .object(object)
    }

    /// An entry read back from ``json(_:)``, or nil when a field is missing.
    public static func entry(json: JSONValue) -> LedgerEntryRecord? {
        guard let position = json["position"]?.numberValue, let action = json["action"]?.stringValue, let subject = json["subject"]?.stringValue,
              let actor = json["actor"]?.stringValue, let time = json["time_ms"]?.numberValue, let detail = json["detail"]?.objectValue,
              let key = json["key"]?.stringValue, let signature = json["signature"]?.stringValue else { return nil }
        return LedgerEntryRecord(position: Int(position), action: action, subject: subject, actor: actor, timeMillis: Int64(time),
                                 detail: detail, keyID: key, signature: signature)
    }
}
