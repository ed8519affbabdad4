import GRDB

extension NexusMigrations {
    /// Credentials, each encrypted under its own data key, which is wrapped by the key-encryption
    /// key named by `kek_id` (`$NEXUS_HOME/keys/credentials.key`). The value is never stored in
    /// the clear; `org` and `name` are bound into both seals, so a row moved to another name or
    /// org no longer opens.
    static func v7Credentials(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE credentials (
                org TEXT NOT NULL DEFAULT 'default',
                name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                sealed_value BLOB NOT NULL,
                wrapped_key BLOB NOT NULL,
                kek_id TEXT NOT NULL,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                PRIMARY KEY (org, name)
            ) WITHOUT ROWID
            """)
    }
}
