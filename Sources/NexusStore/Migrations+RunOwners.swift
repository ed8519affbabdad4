import GRDB

extension NexusMigrations {
    /// Runs belong to the API key that started them (`owner_key_id`, NULL for runs started
    /// outside the server), and a run that failed keeps why (`failure`). An owner, once set,
    /// never changes (the trigger refuses it), so a run cannot be handed to another key.
    static func v4RunOwners(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE runs ADD COLUMN owner_key_id TEXT;
            ALTER TABLE runs ADD COLUMN failure TEXT;
            CREATE INDEX runs_by_owner ON runs (owner_key_id, created_at);
            CREATE TRIGGER runs_owner_fixed BEFORE UPDATE OF owner_key_id ON runs
            WHEN old.owner_key_id IS NOT NULL AND new.owner_key_id IS NOT old.owner_key_id BEGIN
                SELECT RAISE(ABORT, 'a run''s owner never changes: start a new run with the other key instead');
            END;
            """)
    }
}
