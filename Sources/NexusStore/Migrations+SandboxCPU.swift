import GRDB

extension NexusMigrations {
    /// The CPU time of sandboxed commands: per step of a run (`run_steps`), and metered per
    /// event and roll-up in milliseconds (`usage_events`, `usage_rollups`).
    static func v12SandboxCPU(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE run_steps ADD COLUMN sandbox_cpu_seconds REAL NOT NULL DEFAULT 0;
            ALTER TABLE usage_events ADD COLUMN sandbox_cpu_ms INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE usage_rollups ADD COLUMN sandbox_cpu_ms INTEGER NOT NULL DEFAULT 0;
            """)
    }
}
