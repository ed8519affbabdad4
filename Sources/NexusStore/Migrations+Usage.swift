import GRDB

extension NexusMigrations {
    /// Metering and limits. Each usage event is stored once (its idempotency key is unique) and
    /// added, in the same transaction, to per-minute, per-hour and per-day roll-ups by org, key and
    /// model, so that usage reports and quota checks read the roll-ups and never scan the events.
    /// Limits are rows (scope, subject, name), read by the server while it runs: a change takes
    /// effect without a restart.
    static func v9Usage(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE usage_events (
                seq INTEGER PRIMARY KEY,
                idempotency_key TEXT NOT NULL UNIQUE,
                time_ms INTEGER NOT NULL,
                org TEXT NOT NULL DEFAULT 'default',
                key_id TEXT NOT NULL DEFAULT '',
                model TEXT NOT NULL DEFAULT '',
                kind TEXT NOT NULL,
                prompt_tokens INTEGER NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
                completion_tokens INTEGER NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
                tool_calls INTEGER NOT NULL DEFAULT 0 CHECK (tool_calls >= 0),
                module_calls INTEGER NOT NULL DEFAULT 0 CHECK (module_calls >= 0),
                run_units INTEGER NOT NULL DEFAULT 0 CHECK (run_units >= 0)
            );
            CREATE INDEX usage_events_time ON usage_events (org, time_ms);
            CREATE TABLE usage_rollups (
                period TEXT NOT NULL CHECK (period IN ('minute', 'hour', 'day')),
                org TEXT NOT NULL,
                start_ms INTEGER NOT NULL,
                key_id TEXT NOT NULL,
                model TEXT NOT NULL,
                requests INTEGER NOT NULL DEFAULT 0,
                prompt_tokens INTEGER NOT NULL DEFAULT 0,
                completion_tokens INTEGER NOT NULL DEFAULT 0,
                tool_calls INTEGER NOT NULL DEFAULT 0,
                module_calls INTEGER NOT NULL DEFAULT 0,
                run_units INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (period, org, start_ms, key_id, model)
            ) WITHOUT ROWID;
            CREATE INDEX usage_rollups_key ON usage_rollups (period, org, key_id, start_ms);
            CREATE TABLE usage_limits (
                org TEXT NOT NULL DEFAULT 'default',
                scope TEXT NOT NULL CHECK (scope IN ('org', 'key')),
                subject TEXT NOT NULL,
                name TEXT NOT NULL,
                value INTEGER NOT NULL CHECK (value >= 0),
                soft INTEGER CHECK (soft IS NULL OR soft >= 0),
                updated_at REAL NOT NULL,
                PRIMARY KEY (org, scope, subject, name)
            );
            """)
    }
}
