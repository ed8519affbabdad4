public import Foundation
public import NexusCore
public import NexusStore

/// The ledger's signed head: the newest checkpoint (tree size, root, time, key, signature), kept
/// in a file outside the database (`$NEXUS_HOME/ledger.head`). Someone who can change the
/// database but not that file can no longer cut entries off the end of the log together with
/// their checkpoints: `nexus verify` proves the log consistent with the head (RFC 6962). The same
/// JSON, printed by `nexus verify --head`, can be kept by a witness elsewhere and checked later
/// with `nexus verify --witness FILE`, which also covers someone who can rewrite the home.
public struct LedgerHead: Sendable, Hashable {
    public var treeSize: Int
    /// Lowercase hex root hash of the first `treeSize` entries.
    public var rootHash: String
    public var timeMillis: Int64
    public var keyID: String
    /// Base64 Ed25519 signature of `LedgerFormat.signedMessage(checkpoint)`.
    public var signature: String

    public init(_ checkpoint: LedgerCheckpointRecord) {
        treeSize = checkpoint.treeSize
        rootHash = checkpoint.rootHash
        timeMillis = checkpoint.timeMillis
        keyID = checkpoint.keyID
        signature = checkpoint.signature
    }

    /// The head as the checkpoint it is, for signature checks.
    public var checkpoint: LedgerCheckpointRecord {
        LedgerCheckpointRecord(treeSize: treeSize, rootHash: rootHash, timeMillis: timeMillis, keyID: keyID, signature: signature)
    }

    /// The head's file inside `home`.
    public static func file(home: URL) -> URL {
        home.appendingPathComponent("ledger.head")
    }

    public var json: JSONValue {
        ["tree_size": .number(Double(treeSize)), "root": .string(rootHash), "time_ms": .number(Double(timeMillis)),
         "key": .string(keyID), "signature": .string(signature)]
    }

    /// A head read from its JSON text.
    /// - Throws: `NexusError(.invalidArgument)` naming `source` when the text is not a head.
    public init(text: String, source: String) throws {
        guard let value = try? JSONValue.parse(text), let size = value["tree_size"]?.numberValue, let exact = Int(exactly: size), exact > 0,
              let root = value["root"]?.stringValue, let time = value["time_ms"]?.numberValue, let key = value["key"]?.stringValue,
              let signature = value["signature"]?.stringValue else {
            throw NexusError(.invalidArgument, "\(source) is not a ledger head (JSON with tree_size, root, time_ms, key, signature); print one with `nexus verify --head`")
        }
        self.init(LedgerCheckpointRecord(treeSize: exact, rootHash: root, timeMillis: Int64(time), keyID: key, signature: signature))
    }

    /// The head stored in `home`, or nil when there is none.
    /// - Throws: `NexusError(.invalidArgument)` when the file exists but is not a head.
    public static func load(home: URL) throws -> LedgerHead? {
        let url = file(home: home)
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        return try LedgerHead(text: String(decoding: data, as: UTF8.self), source: url.path)
    }

    /// Stores `checkpoint` as the head unless the stored head is already as large (another process
    /// appended meanwhile); replaced atomically, under a lock so two writers never go backwards.
    /// - Throws: `NexusError(.ioError)` when the file cannot be written.
    static func advance(home: URL, to checkpoint: LedgerCheckpointRecord) throws {
        let url = file(home: home)
        try ReplacedFile.locked(by: home.appendingPathComponent(".ledger.head.lock")) {
            if let stored = try? load(home: home), stored.treeSize >= checkpoint.treeSize { return }
            do {
                try ReplacedFile.write(Data((LedgerHead(checkpoint).json.jsonText + "\n").utf8), to: url, permissions: 0o644)
            } catch {
                throw NexusError(.ioError, "cannot write the ledger head \(url.path); check that \(home.path) is writable")
            }
        }
    }
}
