import GRDB

/// The schema of `nexus.db`, as a list of named migrations.
///
/// Migrations are only ever appended: a released migration is never edited or removed, because
/// databases in the field have already run it. To change the schema, add `"v2"`, `"v3"`, ... at
/// the end of `migrator`. Timestamps are REAL seconds since 1970 (`datetime(created_at,
/// 'unixepoch')` reads them in SQL); JSON values are TEXT.
enum NexusMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", migrate: v1)
        migrator.registerMigration("v2-keys", migrate: v2Keys)
        migrator.registerMigration("v2-modules", migrate: v2Modules)
        migrator.registerMigration("v3-hope", migrate: v3Hope)
        migrator.registerMigration("v4-run-owners", migrate: v4RunOwners)
        migrator.registerMigration("v5-trace-demotions", migrate: v5TraceDemotions)
        migrator.registerMigration("v6-trace-postconditions", migrate: v6TracePostConditions)
        migrator.registerMigration("v7-credentials", migrate: v7Credentials)
        migrator.registerMigration("v8-audit", migrate: v8Audit)
        migrator.registerMigration("v9-usage", migrate: v9Usage)
        migrator.registerMigration("v10-approvals", migrate: v10Approvals)
        migrator.registerMigration("v11-orgs", migrate: v11Orgs)
        migrator.registerMigration("v12-sandbox-cpu", migrate: v12SandboxCPU)
        migrator.registerMigration("v13-module-builds", migrate: v13ModuleBuilds)
        migrator.registerMigration("v14-gateway-calls", migrate: v14GatewayCalls)
        return migrator
    }

    /// Memory, runs and steps, traces, conversations, tool statistics, self-modifications, goals.
    private static func v1(_ db: Database) throws {
        // Facts the agent learns. `embedding` is reserved for vector recall (nullable, unused yet).
        try db.execute(sql: """
            CREATE TABLE memories (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                content TEXT NOT NULL CHECK (length(content) > 0),
                source TEXT NOT NULL,
                tags TEXT NOT NULL DEFAULT '[]',
                created_at REAL NOT NULL,
                embedding BLOB
            );
            CREATE VIRTUAL TABLE memories_fts USING fts5(
                content, tags,
                content = 'memories', content_rowid = 'id',
                tokenize = 'porter unicode61 remove_diacritics 2'
            );
            CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories BEGIN
                INSERT INTO memories_fts (rowid, content, tags) VALUES (new.id, new.content, new.tags);
            END;
            CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories BEGIN
                INSERT INTO memories_fts (memories_fts, rowid, content, tags) VALUES ('delete', old.id, old.content, old.tags);
            END;
            CREATE TRIGGER memories_fts_update AFTER UPDATE ON memories BEGIN
                INSERT INTO memories_fts (memories_fts, rowid, content, tags) VALUES ('delete', old.id, old.content, old.tags);
                INSERT INTO memories_fts (rowid, content, tags) VALUES (new.id, new.content, new.tags);
            END;
            """)

        // Runs of the agent loop, saved after every step so that a run resumes after a crash.
        try db.execute(sql: """
            CREATE TABLE runs (
                id TEXT PRIMARY KEY NOT NULL,
                task TEXT NOT NULL,
                model TEXT NOT NULL,
                workspace TEXT NOT NULL,
                status TEXT NOT NULL,
                policy TEXT NOT NULL,
                state TEXT NOT NULL,
                answer TEXT,
                outcome TEXT,
                outcome_source TEXT,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                prompt_tokens INTEGER NOT NULL DEFAULT 0,
                completion_tokens INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX runs_by_created_at ON runs (created_at);
            CREATE INDEX runs_by_status ON runs (status);
            CREATE TABLE run_steps (
                run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                step_index INTEGER NOT NULL,
                tool TEXT,
                arguments TEXT,
                status TEXT NOT NULL,
                result_digest TEXT,
                result_excerpt TEXT,
                duration_seconds REAL NOT NULL DEFAULT 0,
                prompt_tokens INTEGER NOT NULL DEFAULT 0,
                completion_tokens INTEGER NOT NULL DEFAULT 0,
                created_at REAL NOT NULL,
                PRIMARY KEY (run_id, position)
            );
            """)

        // One summary per finished run: what HOPE matches new tasks against and crystallizes.
        try db.execute(sql: """
            CREATE TABLE traces (
                run_id TEXT PRIMARY KEY NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
                signature TEXT NOT NULL,
                tool_sequence TEXT NOT NULL,
                step_count INTEGER NOT NULL,
                tool_calls INTEGER NOT NULL,
                failed_steps INTEGER NOT NULL,
                prompt_tokens INTEGER NOT NULL,
                completion_tokens INTEGER NOT NULL,
                tool_seconds REAL NOT NULL,
                wall_seconds REAL NOT NULL,
                recorded_at REAL NOT NULL
            );
            CREATE INDEX traces_by_signature ON traces (signature);
            CREATE VIRTUAL TABLE traces_fts USING fts5(
                signature,
                content = 'traces', content_rowid = 'rowid',
                tokenize = 'porter unicode61 remove_diacritics 2'
            );
            CREATE TRIGGER traces_fts_insert AFTER INSERT ON traces BEGIN
                INSERT INTO traces_fts (rowid, signature) VALUES (new.rowid, new.signature);
            END;
            CREATE TRIGGER traces_fts_delete AFTER DELETE ON traces BEGIN
                INSERT INTO traces_fts (traces_fts, rowid, signature) VALUES ('delete', old.rowid, old.signature);
            END;
            CREATE TRIGGER traces_fts_update AFTER UPDATE ON traces BEGIN
                INSERT INTO traces_fts (traces_fts, rowid, signature) VALUES ('delete', old.rowid, old.signature);
                INSERT INTO traces_fts (rowid, signature) VALUES (new.rowid, new.signature);
            END;
            """)

        // Chat conversations (`nexus chat`, the chat APIs).
        try db.execute(sql: """
            CREATE TABLE conversations (
                id TEXT PRIMARY KEY NOT NULL,
                title TEXT,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE INDEX conversations_by_updated_at ON conversations (updated_at);
            CREATE TABLE conversation_messages (
                conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                role TEXT NOT NULL,
                content TEXT NOT NULL,
                tool_calls TEXT NOT NULL DEFAULT '[]',
                tool_call_id TEXT,
                tool_name TEXT,
                created_at REAL NOT NULL,
                PRIMARY KEY (conversation_id, position)
            );
            """)

        // Per-tool usage counters.
        try db.execute(sql: """
            CREATE TABLE tool_stats (
                tool TEXT PRIMARY KEY NOT NULL,
                calls INTEGER NOT NULL DEFAULT 0,
                ok INTEGER NOT NULL DEFAULT 0,
                errors INTEGER NOT NULL DEFAULT 0,
                refused INTEGER NOT NULL DEFAULT 0,
                total_seconds REAL NOT NULL DEFAULT 0,
                last_used_at REAL
            );
            """)

        // Versioned self-modifications; the history is append-only, enforced by triggers.
        try db.execute(sql: """
            CREATE TABLE self_modifications (
                key TEXT NOT NULL,
                version INTEGER NOT NULL CHECK (version >= 1),
                value TEXT NOT NULL,
                reason TEXT NOT NULL,
                actor TEXT NOT NULL,
                restored_from INTEGER,
                created_at REAL NOT NULL,
                PRIMARY KEY (key, version)
            );
            CREATE TRIGGER self_modifications_no_update BEFORE UPDATE ON self_modifications BEGIN
                SELECT RAISE(ABORT, 'self-modification history is append-only: add a version instead');
            END;
            CREATE TRIGGER self_modifications_no_delete BEFORE DELETE ON self_modifications BEGIN
                SELECT RAISE(ABORT, 'self-modification history is append-only: add a version instead');
            END;
            """)

        // Goals and their plans.
        try db.execute(sql: """
            CREATE TABLE goals (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                title TEXT NOT NULL CHECK (length(title) > 0),
                detail TEXT,
                status TEXT NOT NULL,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL
            );
            CREATE INDEX goals_by_status ON goals (status);
            CREATE TABLE goal_steps (
                goal_id INTEGER NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                description TEXT NOT NULL,
                status TEXT NOT NULL,
                PRIMARY KEY (goal_id, position)
            );
            """)
    }
}
