import GRDB

extension NexusMigrations {
    /// The gateway's metered calls: which route answered, each attempt, latency and tokens. Budgets
    /// are read back from them, so a restart does not hand out a spent budget again.
    static func v14GatewayCalls(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE gateway_calls (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                org TEXT NOT NULL DEFAULT 'default',
                purpose TEXT NOT NULL,
                route TEXT,
                attempts TEXT NOT NULL DEFAULT '[]',
                seconds REAL NOT NULL DEFAULT 0,
                prompt_tokens INTEGER NOT NULL DEFAULT 0,
                completion_tokens INTEGER NOT NULL DEFAULT 0,
                at REAL NOT NULL
            );
            CREATE INDEX gateway_calls_by_time ON gateway_calls (at);
            """)
    }
}
