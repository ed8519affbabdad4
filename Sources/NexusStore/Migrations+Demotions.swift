import GRDB

extension NexusMigrations {
    /// HOPE feedback: a trace judged bad through a run that replayed it is demoted (no longer
    /// followed, its module rolled back); repeated good outcomes lift the demotion. Each demotion
    /// is kept with its reason, so `nexus traces show` can tell the story.
    static func v5TraceDemotions(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE trace_demotions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                run_id TEXT NOT NULL,
                judged_run_id TEXT NOT NULL,
                reason TEXT NOT NULL,
                module TEXT,
                module_action TEXT NOT NULL DEFAULT '',
                demoted_at REAL NOT NULL,
                lifted_at REAL,
                lift_reason TEXT
            );
            CREATE INDEX trace_demotions_by_run ON trace_demotions (run_id, lifted_at);
            """)
    }
}
