import GRDB

extension NexusMigrations {
    /// Organizations. Every key belongs to one, and so does every run, trace, memory and
    /// conversation (the tables made before this had `org` from the start). Everything that
    /// existed before is the `default` org's. An org, once set on a row, never changes (the
    /// triggers refuse it), so nothing can be moved into another tenant. A trace is recorded in
    /// its run's org. (SQLite cannot add a column that references another table with
    /// a default, so a key's org is checked by a trigger; every other row takes its key's org.)
    static func v11Orgs(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE orgs (
                name TEXT PRIMARY KEY NOT NULL
                    CHECK (length(name) BETWEEN 1 AND 40 AND name NOT GLOB '*[^a-z0-9-]*' AND name NOT GLOB '-*'),
                created_at REAL NOT NULL,
                created_by TEXT
            );
            INSERT INTO orgs (name, created_at, created_by) VALUES ('default', (julianday('now') - 2440587.5) * 86400.0, NULL);
            CREATE TRIGGER orgs_kept BEFORE DELETE ON orgs BEGIN
                SELECT RAISE(ABORT, 'an org is never deleted: its records stay with it; revoke its keys instead');
            END;
            """)
        for table in ["api_keys", "runs", "traces", "memories", "conversations"] {
            try db.execute(sql: """
                ALTER TABLE \(table) ADD COLUMN org TEXT NOT NULL DEFAULT 'default';
                CREATE TRIGGER \(table)_org_fixed BEFORE UPDATE OF org ON \(table) WHEN new.org IS NOT old.org BEGIN
                    SELECT RAISE(ABORT, 'a record''s org never changes: make it again in the other org');
                END;
                """)
        }
        try db.execute(sql: """
            CREATE INDEX api_keys_by_org ON api_keys (org, created_at);
            CREATE INDEX runs_by_org ON runs (org, created_at);
            CREATE INDEX memories_by_org ON memories (org, created_at);
            CREATE INDEX conversations_by_org ON conversations (org, updated_at);
            CREATE TRIGGER api_keys_org_exists BEFORE INSERT ON api_keys
            WHEN NOT EXISTS (SELECT 1 FROM orgs WHERE name = new.org) BEGIN
                SELECT RAISE(ABORT, 'no such org: create it first with nexus orgs create');
            END;
            """)
    }
}
