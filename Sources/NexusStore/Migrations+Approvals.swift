import GRDB

extension NexusMigrations {
    /// Approval of modules the system made: a validated draft waits here until an admin approves
    /// or rejects it (each decision a signed ledger entry, written in the same transaction), and
    /// the org's settings say whether modules wait at all (`module_approval`: auto or required).
    static func v10Approvals(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE module_approvals (
                draft_id TEXT PRIMARY KEY NOT NULL,
                org TEXT NOT NULL DEFAULT 'default',
                name TEXT NOT NULL,
                version TEXT NOT NULL,
                trace_run_id TEXT,
                requested_by TEXT NOT NULL,
                requested_at REAL NOT NULL,
                decision TEXT CHECK (decision IS NULL OR decision IN ('approved', 'rejected')),
                decided_by TEXT,
                decided_at REAL,
                reason TEXT
            );
            CREATE INDEX module_approvals_pending ON module_approvals (org, decision, requested_at);
            CREATE INDEX module_approvals_trace ON module_approvals (trace_run_id);
            CREATE TABLE org_settings (
                org TEXT NOT NULL DEFAULT 'default',
                name TEXT NOT NULL,
                value TEXT NOT NULL,
                updated_at REAL NOT NULL,
                PRIMARY KEY (org, name)
            );
            """)
    }
}
