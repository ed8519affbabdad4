import GRDB

extension NexusMigrations {
    /// API keys (`KeyStore`): only the SHA-256 of each secret is kept. A revoked key stays
    /// revoked and a key's hash never changes (the triggers refuse both), so a row can only ever
    /// lose power.
    static func v2Keys(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE api_keys (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL CHECK (length(name) > 0),
                role TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin', 'owner')),
                secret_sha256 TEXT NOT NULL UNIQUE CHECK (length(secret_sha256) = 64),
                created_at REAL NOT NULL,
                revoked_at REAL,
                last_used_at REAL,
                rotated_from TEXT REFERENCES api_keys (id)
            );
            CREATE INDEX api_keys_by_created_at ON api_keys (created_at);
            CREATE TRIGGER api_keys_stay_revoked BEFORE UPDATE OF revoked_at ON api_keys
            WHEN old.revoked_at IS NOT NULL AND (new.revoked_at IS NULL OR new.revoked_at != old.revoked_at) BEGIN
                SELECT RAISE(ABORT, 'a revoked API key stays revoked: create a new key instead');
            END;
            CREATE TRIGGER api_keys_fixed BEFORE UPDATE OF id, secret_sha256, role, created_at ON api_keys
            WHEN new.id IS NOT old.id OR new.secret_sha256 IS NOT old.secret_sha256
                OR new.role IS NOT old.role OR new.created_at IS NOT old.created_at BEGIN
                SELECT RAISE(ABORT, 'an API key''s id, secret hash, role and creation time never change: rotate or create a key instead');
            END;
            """)
    }
}
