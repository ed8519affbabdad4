import Crypto
public import Foundation
import NexusCore

/// The key-encryption key of the credential store: 32 random bytes, base64, in
/// `$NEXUS_HOME/keys/credentials.key` (mode 0600, folder 0700). It only wraps the data keys, so
/// replacing it (`nexus credentials rotate-key`) re-wraps them without touching a secret.
///
/// During a rotation the new key is written as `credentials.key.next` first; a rotation cut
/// short leaves both files, and each row names the key that wraps it, so nothing is lost.
public struct CredentialKey: Sendable {
    let key: SymmetricKey
    /// The first 16 hex digits of SHA-256 of the key.
    public let id: String

    init(key: SymmetricKey) {
        self.key = key
        id = key.withUnsafeBytes { bytes in SHA256.hash(data: Data(bytes)).prefix(8).map { String(format: "%02x", $0) }.joined() }
    }

    public static func generate() -> CredentialKey {
        CredentialKey(key: SymmetricKey(size: .bits256))
    }

    static func file(home: URL, next: Bool = false) -> URL {
        home.appendingPathComponent("keys", isDirectory: true).appendingPathComponent(next ? "credentials.key.next" : "credentials.key")
    }

    /// The keys in `home`: the current one, and the next one when a rotation was cut short.
    /// - Throws: `NexusError(.keyUnavailable)` when a key file cannot be read or holds no key.
    static func stored(home: URL) throws -> [CredentialKey] {
        try [false, true].compactMap { next -> CredentialKey? in
            let url = file(home: home, next: next)
            guard FileManager.default.fileExists(atPath: url.path) else { return nil }
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw NexusError(.keyUnavailable, "cannot read the credential key \(url.path); check its permissions")
            }
            guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), bytes.count == 32 else {
                throw NexusError(.keyUnavailable, "the credential key \(url.path) is not 32 bytes of base64; restore it from a backup")
            }
            return CredentialKey(key: SymmetricKey(data: bytes))
        }
    }

    /// Writes the key to `home` (as the next key during a rotation), readable by the owner only.
    func save(home: URL, next: Bool = false) throws {
        let url = Self.file(home: home, next: next)
        let folder = url.deletingLastPathComponent()
        let text = key.withUnsafeBytes { Data($0).base64EncodedString() } + "\n"
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try ReplacedFile.write(Data(text.utf8), to: url, permissions: 0o600)
        } catch {
            throw NexusError(.keyUnavailable, "cannot write the credential key \(url.path): \(error.localizedDescription); check that \(folder.path) is writable")
        }
    }

    /// Makes the next key the current one (the last step of a rotation).
    static func promoteNext(home: URL) throws {
        guard rename(file(home: home, next: true).path, file(home: home).path) == 0 else {
            throw NexusError(.keyUnavailable, "cannot replace \(file(home: home).path) with the new credential key: \(String(cString: strerror(errno)))")
        }
    }
}
