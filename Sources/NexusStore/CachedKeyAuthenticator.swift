import Crypto
import Foundation
public import NexusCore
import Synchronization

/// The server's key check: ``KeyStore``'s, with the keys that authenticated kept in memory for
/// as long as nothing at all has been committed to the database since they were read. SQLite
/// says exactly when that is (``DatabaseChangeWatch``), so a key revoked or rotated — through
/// the API, the CLI or any other process — stops working on the next request, while a steady
/// stream of requests does not read the key table for each one. Only keys that authenticated are
/// kept (a flood of wrong secrets cannot fill memory), and a key is read again when its last use
/// is due to be stamped.
public final class CachedKeyAuthenticator: KeyAuthenticator {
    private struct Cache {
        var version = -1
        var keys: [[UInt8]: KeyRecord] = [:]
    }

    private let store: KeyStore
    private let watch: DatabaseChangeWatch?
    private let cache = Mutex(Cache())
    private static let maxEntries = 10_000

    /// - Throws: `NexusError(.databaseUnavailable)` when the database file cannot be watched.
    public init(database: NexusDatabase) throws {
        store = KeyStore(database: database)
        do {
            // An in-memory database (tests) has no other connection to watch it: nothing is kept.
            watch = try database.url.map { try DatabaseChangeWatch(path: $0.path) }
        } catch {
            throw StoreFailure.opening(database.url?.path ?? "(in memory)", error)
        }
    }

    public func authenticate(secret: String) throws -> KeyRecord? {
        try store.authenticate(secret: secret)
    }

    public func authenticateAsync(secret: String) async throws -> KeyRecord? {
        guard let watch, let digest = KeyStore.digest(of: secret) else { return try await store.authenticateAsync(secret: secret) }
        let version = try watch.version()
        let time = store.now()
        let kept = cache.withLock { $0.version == version ? $0.keys[digest] : nil }
        if let kept, !KeyStore.needsUseStamp(kept, at: time) { return kept }
        let key = try await store.authenticateAsync(secret: secret)
        cache.withLock { cache in
            if cache.version != version { cache = Cache(version: version) }
            if cache.keys.count >= Self.maxEntries { cache.keys.removeAll() }
            cache.keys[digest] = key
        }
        return key
    }
}
