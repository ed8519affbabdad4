import GRDB

extension NexusMigrations {
    /// HOPE: how each run was dispatched (mode, confidence, the trace it followed or the module
    /// it ran, and why), each step's full result (a follower binds values derived from it), and
    /// the module a trace was crystallized into.
    static func v3Hope(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE runs ADD COLUMN mode TEXT NOT NULL DEFAULT 'learner';
            ALTER TABLE runs ADD COLUMN confidence REAL NOT NULL DEFAULT 0;
            ALTER TABLE runs ADD COLUMN followed_run_id TEXT;
            ALTER TABLE runs ADD COLUMN module TEXT;
            ALTER TABLE runs ADD COLUMN dispatch_reason TEXT NOT NULL DEFAULT '';
            CREATE INDEX runs_by_followed ON runs (followed_run_id) WHERE followed_run_id IS NOT NULL;
            CREATE INDEX runs_by_module ON runs (module) WHERE module IS NOT NULL;
            ALTER TABLE run_steps ADD COLUMN result TEXT;
            ALTER TABLE traces ADD COLUMN crystallized_into TEXT;
            """)
    }
}
