import Crypto
public import Foundation
import GRDB
public import NexusCore

/// API keys for `nexus serve`: created with a secret shown once, checked by hash, revoked,
/// rotated. The database keeps each key's SHA-256 (hex), never the secret, and nothing here logs
/// a secret or puts one in an error message.
///
/// ```swift
/// let keys = KeyStore(database: database)
/// let issued = try keys.create(name: "ci", role: .operator)   // show issued.secret once
/// let key = try keys.authenticate(secret: presented)           // nil unless active and known
/// ```
public struct KeyStore: KeyAuthenticator {
    let database: NexusDatabase
    let now: @Sendable () -> Date

    /// What every secret starts with, so that it is recognizable in a leaked file or a scanner.
    public static let secretPrefix = "nxk_"
    /// How many random bytes a secret holds (256 bits).
    public static let secretByteCount = 32
    /// The length of a secret: the prefix and the base64url text of its bytes, without padding.
    public static let secretLength = secretPrefix.count + (secretByteCount * 4 + 2) / 3
    /// The longest presented secret that is looked up at all; longer ones are refused unhashed.
    static let maxPresentedLength = 1024
    /// The most characters in a key's name.
    public static let maxNameLength = 100

    /// - Parameters:
    ///   - database: The Nexus database.
    ///   - now: The clock; tests pass a fixed one.
    public init(database: NexusDatabase, now: @escaping @Sendable () -> Date = { Date() }) {
        self.database = database
        self.now = now
    }

    /// Creates a key and returns it with its secret, which is not kept and cannot be shown again.
    /// - Parameters:
    ///   - name: What the key is for; nil names it after its role.
    ///   - role: What it may do.
    ///   - org: The org it acts in, which must exist.
    /// - Throws: `NexusError(.invalidArgument)` for an empty or overlong name or one with control
    ///   characters, `.notFound` for an org that does not exist, `.databaseFailed` when it cannot be saved.
    public func create(name: String?, role: Role, org: OrgName = .default) throws -> IssuedKey {
        let name = try Self.checked(name: name ?? role.rawValue)
        return try database.write("create an API key") { db in
            try insert(name: name, role: role, org: org, rotatedFrom: nil, db)
        }
    }

    /// ``create(name:role:org:)`` from async code.
    public func createAsync(name: String?, role: Role, org: OrgName = .default) async throws -> IssuedKey {
        let name = try Self.checked(name: name ?? role.rawValue)
        return try await database.writeAsync("create an API key") { db in
            try insert(name: name, role: role, org: org, rotatedFrom: nil, db)
        }
    }

    /// The first owner key of a store that never had one, or nil when any key (even a revoked
    /// one) was ever made: checked and created in one transaction, so two requests at once
    /// cannot both get one.
    /// - Throws: `NexusError(.databaseFailed)` when it cannot be saved.
    public func bootstrapOwner() async throws -> IssuedKey? {
        try await database.writeAsync("create the first owner key") { db in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM api_keys") == 0 else { return nil }
            return try insert(name: "bootstrap", role: .owner, org: .default, rotatedFrom: nil, db)
        }
    }

    /// Every key of `org` (of every org when nil), active and revoked, oldest first.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func list(org: OrgName? = nil) throws -> [KeyRecord] {
        try database.read("list the API keys") { db in try Self.all(org, db) }
    }

    /// ``list(org:)`` from async code.
    public func listAsync(org: OrgName?) async throws -> [KeyRecord] {
        try await database.readAsync("list the API keys") { db in try Self.all(org, db) }
    }

    private static func all(_ org: OrgName?, _ db: Database) throws -> [KeyRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM api_keys WHERE ?1 IS NULL OR org = ?1 ORDER BY created_at, id",
                         arguments: [org?.rawValue]).map(KeyRecord.init(row:))
    }

    /// The key with this id, or nil.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func key(id: String) throws -> KeyRecord? {
        try database.read("load API key \(id)") { db in
            try Self.fetch(id: id, org: nil, db)
        }
    }

    /// The key with this id in `org` (in any org when nil), or nil, from async code.
    public func keyAsync(id: String, org: OrgName?) async throws -> KeyRecord? {
        try await database.readAsync("load API key \(id)") { db in try Self.fetch(id: id, org: org, db) }
    }

    /// Revokes a key: from now on its secret authenticates nothing. Revoking a revoked key
    /// changes nothing.
    /// - Parameter id: The key's id (`key_…`).
    /// - Returns: true when the key was active and is now revoked, false when it already was.
    /// - Throws: `NexusError(.notFound)` when no key has this id, `.databaseFailed` when the
    ///   change cannot be saved.
    @discardableResult
    public func revoke(id: String) throws -> Bool {
        try database.write("revoke API key \(id)") { db in try revoke(id: id, db) }
    }

    /// ``revoke(id:)`` from async code, for a key of `org` only (any org when nil): another
    /// org's key is not found.
    @discardableResult
    public func revokeAsync(id: String, org: OrgName?) async throws -> Bool {
        try await database.writeAsync("revoke API key \(id)") { db in try revoke(id: id, org: org, db) }
    }

    private func revoke(id: String, org: OrgName? = nil, _ db: Database) throws -> Bool {
        let key = try Self.existing(id: id, org: org, db)
        guard key.isActive else { return false }
        try db.execute(sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ?", arguments: [now().databaseSeconds, id])
        return true
    }

    /// Replaces a key: revokes it and issues a new one with the same name and role, in one
    /// transaction, so that there is never a moment with both or neither.
    /// - Parameter id: The active key to replace.
    /// - Returns: The new key, its `rotatedFrom` set to `id`, with its secret.
    /// - Throws: `NexusError(.notFound)` when no key has this id, `.invalidArgument` when it is
    ///   already revoked, `.databaseFailed` when the change cannot be saved.
    public func rotate(id: String) throws -> IssuedKey {
        try database.write("rotate API key \(id)") { db in try rotate(id: id, db) }
    }

    /// ``rotate(id:)`` from async code, for a key of `org` only (any org when nil).
    public func rotateAsync(id: String, org: OrgName?) async throws -> IssuedKey {
        try await database.writeAsync("rotate API key \(id)") { db in try rotate(id: id, org: org, db) }
    }

    private func rotate(id: String, org: OrgName? = nil, _ db: Database) throws -> IssuedKey {
        let old = try Self.existing(id: id, org: org, db)
        guard old.isActive else {
            throw NexusError(.invalidArgument, "the API key \(id) is revoked and cannot be rotated; create a new one with `nexus keys create --role \(old.role) --name \(old.name)`")
        }
        try db.execute(sql: "UPDATE api_keys SET revoked_at = ? WHERE id = ?", arguments: [now().databaseSeconds, id])
        return try insert(name: old.name, role: old.role, org: old.org, rotatedFrom: id, db)
    }

    /// The active key whose secret is `secret`, or nil. Unknown, revoked and malformed secrets
    /// all give nil. The secret is hashed, the row is found by its hash, and the stored digest
    /// is compared with the computed one in constant time. The key's `lastUsedAt` is updated
    /// when it is older than `KeyRecord.lastUsedResolution`.
    /// - Throws: `NexusError(.databaseFailed)` or `.databaseUnavailable` when the database cannot
    ///   be used; never because of the secret.
    public func authenticate(secret: String) throws -> KeyRecord? {
        guard let digest = Self.digest(of: secret) else { return nil }
        let wellFormed = Self.isWellFormed(secret)
        let found = try database.read("check an API key") { db in try Self.activeKey(try Self.row(digest, db), digest: digest, wellFormed: wellFormed) }
        guard var key = found else { return nil }
        let time = now()
        guard Self.needsUseStamp(key, at: time) else { return key }
        guard try database.write("record the use of API key \(key.id)", { db in try Self.stampUse(key.id, time, db) }) else { return nil }
        key.lastUsedAt = time
        return key
    }

    /// ``authenticate(secret:)`` from async code: the reads and the write go through GRDB's
    /// async access, so a request's key check never blocks a thread of the cooperative pool.
    public func authenticateAsync(secret: String) async throws -> KeyRecord? {
        guard let digest = Self.digest(of: secret) else { return nil }
        let wellFormed = Self.isWellFormed(secret)
        let found = try await database.readAsync("check an API key") { db in try Self.activeKey(try Self.row(digest, db), digest: digest, wellFormed: wellFormed) }
        guard var key = found else { return nil }
        let time = now()
        guard Self.needsUseStamp(key, at: time) else { return key }
        let id = key.id
        guard try await database.writeAsync("record the use of API key \(id)", { db in try Self.stampUse(id, time, db) }) else { return nil }
        key.lastUsedAt = time
        return key
    }

    /// The secret's SHA-256, or nil for one longer than any real secret (not worth hashing).
    static func digest(of secret: String) -> [UInt8]? {
        guard secret.utf8.count <= maxPresentedLength else { return nil }
        return sha256(secret)
    }

    /// The SHA-256 of a secret's UTF-8 bytes: what is stored for a new key and what a presented
    /// one is looked up by. Straight from the string's bytes: every request with a key comes
    /// through here, and building a `Data` first cost more than the hash.
    private static func sha256(_ secret: String) -> [UInt8] {
        var secret = secret
        let digest = secret.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
        return digest.withUnsafeBytes { Array($0) }
    }

    private static func row(_ digest: [UInt8], _ db: Database) throws -> Row? {
        try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE secret_sha256 = ?", arguments: [Hex.text(digest)])
    }

    /// The key of `row` when the presented secret is well formed, its digest matches in
    /// constant time, and the key is not revoked. (A malformed secret is still looked up, so
    /// it takes as long as any other.)
    private static func activeKey(_ row: Row?, digest: [UInt8], wellFormed: Bool) throws -> KeyRecord? {
        guard let row, wellFormed, let stored = Hex.bytes(try row.value("secret_sha256") as String),
              ConstantTime.equal(stored, digest) else { return nil }
        let key = try KeyRecord(row: row)
        return key.isActive ? key : nil
    }

    static func needsUseStamp(_ key: KeyRecord, at time: Date) -> Bool {
        guard let lastUsed = key.lastUsedAt else { return true }
        return time.timeIntervalSince(lastUsed) >= KeyRecord.lastUsedResolution
    }

    /// Records a use; false when the key was revoked meanwhile.
    private static func stampUse(_ id: String, _ time: Date, _ db: Database) throws -> Bool {
        try db.execute(sql: "UPDATE api_keys SET last_used_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [time.databaseSeconds, id])
        return db.changesCount == 1
    }

    /// Whether `secret` has the shape of a Nexus secret: the prefix and 43 base64url characters.
    public static func isWellFormed(_ secret: String) -> Bool {
        guard secret.utf8.count == secretLength, secret.hasPrefix(secretPrefix) else { return false }
        return secret.utf8.dropFirst(secretPrefix.utf8.count).allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }

    /// A new secret from the system's cryptographically secure generator.
    static func makeSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<secretByteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let text = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return secretPrefix + text
    }

    private func insert(name: String, role: Role, org: OrgName, rotatedFrom: String?, _ db: Database) throws -> IssuedKey {
        guard try OrgStore.exists(org, db) else {
            throw NexusError(.notFound, "there is no org '\(org)'; create it first with `nexus orgs create \(org)`")
        }
        let secret = Self.makeSecret()
        let record = KeyRecord(id: ShortID.make(prefix: "key_"), name: name, role: role, org: org, createdAt: now(), rotatedFrom: rotatedFrom)
        try db.execute(sql: """
            INSERT INTO api_keys (id, name, role, org, secret_sha256, created_at, rotated_from)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [record.id, name, role.rawValue, org.rawValue, Hex.text(Self.sha256(secret)),
                             record.createdAt.databaseSeconds, rotatedFrom])
        return IssuedKey(record: record, secret: secret)
    }

    private static func fetch(id: String, org: OrgName?, _ db: Database) throws -> KeyRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE id = ?1 AND (?2 IS NULL OR org = ?2)",
                         arguments: [id, org?.rawValue]).map(KeyRecord.init(row:))
    }

    private static func existing(id: String, org: OrgName?, _ db: Database) throws -> KeyRecord {
        guard let key = try fetch(id: id, org: org, db) else {
            throw NexusError(.notFound, "there is no API key \(id); list the keys with `nexus keys list`")
        }
        return key
    }

    private static func checked(name: String) throws -> String {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else {
            throw NexusError(.invalidArgument, "the key's name is empty; say what the key is for, e.g. --name ci")
        }
        guard name.count <= maxNameLength else {
            throw NexusError(.invalidArgument, "the key's name has \(name.count) characters; the most is \(maxNameLength)")
        }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw NexusError(.invalidArgument, "the key's name contains control characters; use plain text")
        }
        return name
    }
}

extension KeyRecord {
    init(row: Row) throws {
        let roleName: String = try row.value("role")
        guard let role = Role(rawValue: roleName) else {
            throw NexusError(.databaseFailed, "an API key in the database has the unknown role '\(roleName)'; it was written by another version of Nexus")
        }
        self.init(
            id: try row.value("id"),
            name: try row.value("name"),
            role: role,
            org: OrgName(unchecked: try row.value("org")),
            createdAt: try row.date("created_at"),
            revokedAt: try row.optionalDate("revoked_at"),
            lastUsedAt: try row.optionalDate("last_used_at"),
            rotatedFrom: try row.value("rotated_from"))
    }
}

/// Lowercase hexadecimal text of bytes, as digests are stored.
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func text(_ bytes: [UInt8]) -> String {
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes of `text`, or nil when it is not an even number of hexadecimal digits.
    static func bytes(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
