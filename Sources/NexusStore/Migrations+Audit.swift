import GRDB

extension NexusMigrations {
    /// The audit log: who did what to which resource, when. Each event carries the hash of the one
    /// before it, so an edit or a removal breaks the chain; the chain's newest hash is signed into
    /// `$NEXUS_HOME/audit.head`, so cutting off the newest events is caught too. Triggers refuse
    /// updates and deletes through SQL (someone editing the file by other means is what the
    /// chain catches).
    static func v8Audit(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE audit_events (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                type TEXT NOT NULL,
                time_ms INTEGER NOT NULL,
                org TEXT NOT NULL DEFAULT 'default',
                actor TEXT NOT NULL,
                actor_key TEXT,
                actor_ip TEXT,
                actor_agent TEXT,
                resource TEXT NOT NULL,
                details TEXT NOT NULL DEFAULT '{}',
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            );
            CREATE INDEX audit_events_time ON audit_events (org, time_ms);
            CREATE INDEX audit_events_type ON audit_events (org, type, time_ms);
            CREATE INDEX audit_events_actor ON audit_events (org, actor, time_ms);
            CREATE INDEX audit_events_resource ON audit_events (org, resource, time_ms);
            CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
                BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
            CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
                BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
            """)
    }
}
