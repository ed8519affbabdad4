import Crypto
public import Foundation
import NexusCore

/// The installation's Ed25519 key, kept in `$NEXUS_HOME/keys/ledger.ed25519` (base64 of the raw
/// private key, file mode 0600, folder 0700). It signs every ledger entry and checkpoint.
public struct SigningKey: Sendable {
    let privateKey: Curve25519.Signing.PrivateKey

    /// The key's id: the first 16 hex digits of SHA-256 of its raw public key.
    public var id: String { Self.id(publicKey: publicKeyBytes) }
    /// The raw 32-byte public key.
    public var publicKeyBytes: [UInt8] { Array(privateKey.publicKey.rawRepresentation) }
    /// The public key, base64.
    public var publicKeyBase64: String { Data(publicKeyBytes).base64EncodedString() }

    init(privateKey: Curve25519.Signing.PrivateKey) {
        self.privateKey = privateKey
    }

    /// A new random key.
    public static func generate() -> SigningKey {
        SigningKey(privateKey: Curve25519.Signing.PrivateKey())
    }

    /// The key file inside `home`.
    public static func file(home: URL) -> URL {
        home.appendingPathComponent("keys", isDirectory: true).appendingPathComponent("ledger.ed25519")
    }

    /// The key stored in `home`, or nil when there is none yet.
    /// - Throws: `NexusError(.keyUnavailable)` when the file exists but cannot be read or is not a key.
    public static func load(home: URL) throws -> SigningKey? {
        let url = file(home: home)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw NexusError(.keyUnavailable, "cannot read the ledger key \(url.path): \(error.localizedDescription); check its permissions")
        }
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)),
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: data) else {
            throw NexusError(.keyUnavailable, "the ledger key \(url.path) is not a base64 Ed25519 private key; restore it from a backup")
        }
        return SigningKey(privateKey: key)
    }

    /// Writes the key to `home`, replacing any key there, readable by the owner only.
    /// - Throws: `NexusError(.keyUnavailable)` when the folder or file cannot be written.
    public func save(home: URL) throws {
        let url = Self.file(home: home)
        let folder = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try ReplacedFile.write(Data((privateKey.rawRepresentation.base64EncodedString() + "\n").utf8), to: url, permissions: 0o600)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
        } catch {
            throw NexusError(.keyUnavailable, "cannot write the ledger key \(url.path): \(error.localizedDescription); check that \(folder.path) is writable")
        }
    }

    /// The Ed25519 signature of `message`.
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        Array(try privateKey.signature(for: message))
    }

    /// Whether `signature` is a valid signature of `message` by the raw public key.
    public static func verify(signature: [UInt8], message: [UInt8], publicKey: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    /// The id of a raw public key.
    public static func id(publicKey: [UInt8]) -> String {
        String(ContentID.sha256(publicKey).prefix(16))
    }
}
