import Foundation
public import NexusStore

/// The ledger's key signs the audit log's head; a head is checked against any key the ledger's
/// own key chain introduced (`key_create`, `key_rotate`), so a rotation keeps old heads valid.
extension Ledger: AuditHeadSigner {
    public func signAuditHead(_ message: [UInt8]) throws -> (keyID: String, signature: String) {
        // The key file alone: `key()` would read the whole ledger to see whether it is new.
        let key = try SigningKey.load(home: home) ?? key()
        return (key.id, Data(try key.sign(message)).base64EncodedString())
    }

    public func verifyAuditHead(_ message: [UInt8], keyID: String, signature: String) throws -> Bool {
        let introduced = try entries().first { ($0.action == "key_create" || $0.action == "key_rotate") && $0.subject == keyID }
        guard let text = introduced?.detail["public_key"]?.stringValue, let publicKey = Data(base64Encoded: text),
              let signatureBytes = Data(base64Encoded: signature) else { return false }
        return SigningKey.verify(signature: Array(signatureBytes), message: message, publicKey: Array(publicKey))
    }
}

extension Ledger {
    /// The audit log of this installation, its head signed with the ledger's key.
    public func auditLog() -> AuditLog {
        AuditLog(database: database, home: home, signer: self)
    }
}
