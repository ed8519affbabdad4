import GRDB

extension NexusMigrations {
    /// The toolsmith's builds: what was asked (description, examples and which of them were held
    /// out), how it ended, and every attempt with its prompt, output, validation report,
    /// failure fingerprint and tokens.
    static func v13ModuleBuilds(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE module_builds (
                id TEXT PRIMARY KEY,
                org TEXT NOT NULL DEFAULT 'default',
                name TEXT NOT NULL,
                description TEXT NOT NULL,
                examples TEXT NOT NULL,
                held_out TEXT NOT NULL,
                requested_by TEXT NOT NULL,
                status TEXT NOT NULL,
                reason TEXT NOT NULL DEFAULT '',
                module_id TEXT,
                started_at REAL NOT NULL,
                finished_at REAL
            );
            CREATE INDEX module_builds_by_org ON module_builds (org, started_at);
            CREATE TABLE module_build_attempts (
                build_id TEXT NOT NULL REFERENCES module_builds(id) ON DELETE CASCADE,
                number INTEGER NOT NULL,
                purpose TEXT NOT NULL,
                prompt TEXT NOT NULL,
                output TEXT NOT NULL,
                report TEXT NOT NULL,
                fingerprint TEXT NOT NULL DEFAULT '',
                passed_checks INTEGER NOT NULL DEFAULT 0,
                prompt_tokens INTEGER NOT NULL DEFAULT 0,
                completion_tokens INTEGER NOT NULL DEFAULT 0,
                seconds REAL NOT NULL DEFAULT 0,
                PRIMARY KEY (build_id, number)
            );
            """)
    }
}
