public import Foundation
import NexusCore

/// The audit log's signed head, `$NEXUS_HOME/audit.head`: the newest event's number and hash,
/// signed with the installation's key. Kept outside the database, so removing the newest events
/// (and rewriting the chain before them) shows.
public struct AuditHead: Sendable, Hashable {
    public var seq: Int
    public var hash: String
    public var keyID: String
    public var signature: String

    /// What the signature covers.
    var message: [UInt8] { Array("nexus-audit-head\n\(seq)\n\(hash)".utf8) }

    public static func file(home: URL) -> URL { home.appendingPathComponent("audit.head") }

    /// The stored head, or nil when there is none yet.
    static func load(home: URL) throws -> AuditHead? {
        let url = file(home: home)
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        guard let object = try? JSONValue.parse(data), let seq = object["seq"]?.numberValue, let hash = object["hash"]?.stringValue,
              let keyID = object["key_id"]?.stringValue, let signature = object["signature"]?.stringValue else {
            throw NexusError(.keyUnavailable, "\(url.path) is not an audit head; restore it from a backup or remove it to start a new one")
        }
        return AuditHead(seq: Int(seq), hash: hash, keyID: keyID, signature: signature)
    }

    /// Signs and writes the head for event `seq`, unless the stored head is already at or past
    /// it (appends from two processes may finish out of order). A lock file keeps the read and
    /// the write of concurrent appends apart.
    static func advance(home: URL, seq: Int, hash: String, signer: any AuditHeadSigner) throws {
        let url = file(home: home)
        try ReplacedFile.locked(by: home.appendingPathComponent(".audit.head.lock")) {
            if let current = try? load(home: home), current.seq >= seq { return }
            var head = AuditHead(seq: seq, hash: hash, keyID: "", signature: "")
            (head.keyID, head.signature) = try signer.signAuditHead(head.message)
            let text = JSONValue.object(["seq": .number(Double(seq)), "hash": .string(hash), "key_id": .string(head.keyID),
                                         "signature": .string(head.signature)]).jsonText + "\n"
            do {
                try ReplacedFile.write(Data(text.utf8), to: url, permissions: 0o600)
            } catch {
                throw NexusError(.ioError, "cannot write the audit head \(url.path); check that \(home.path) is writable")
            }
        }
    }
}
