import GRDB

extension NexusMigrations {
    /// The Nexus graph (nodes, typed edges), module versions with their validations and installs,
    /// and the signed ledger (entries and checkpoints). Module bytes, installs and the ledger are
    /// append-only, enforced by triggers; `nexus verify` catches edits made around them.
    static func v2Modules(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE graph_nodes (
                id TEXT PRIMARY KEY NOT NULL,
                kind TEXT NOT NULL,
                label TEXT NOT NULL,
                metadata TEXT NOT NULL DEFAULT '{}',
                created_at REAL NOT NULL
            );
            CREATE INDEX graph_nodes_by_kind ON graph_nodes (kind, label);
            CREATE TABLE graph_edges (
                source TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('depends_on', 'crystallized_from', 'derived_from', 'replaces', 'signed_by')),
                target TEXT NOT NULL,
                created_at REAL NOT NULL,
                PRIMARY KEY (source, kind, target)
            );
            CREATE INDEX graph_edges_by_target ON graph_edges (target, kind);
            """)

        // `id` is the content id: sha256 of the canonical manifest, a newline and the code.
        try db.execute(sql: """
            CREATE TABLE module_versions (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                version TEXT NOT NULL,
                stage TEXT NOT NULL CHECK (stage IN ('draft', 'promoted')),
                manifest TEXT NOT NULL,
                code TEXT NOT NULL,
                created_at REAL NOT NULL
            );
            CREATE UNIQUE INDEX module_versions_promoted ON module_versions (name, version) WHERE stage = 'promoted';
            CREATE INDEX module_versions_by_name ON module_versions (name, created_at);
            CREATE TRIGGER module_versions_no_update BEFORE UPDATE ON module_versions BEGIN
                SELECT RAISE(ABORT, 'module versions are immutable: make a new draft instead');
            END;
            CREATE TRIGGER module_versions_no_delete BEFORE DELETE ON module_versions BEGIN
                SELECT RAISE(ABORT, 'module versions are immutable: make a new draft instead');
            END;
            CREATE TABLE module_validations (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                module_id TEXT NOT NULL REFERENCES module_versions (id),
                passed INTEGER NOT NULL,
                report TEXT NOT NULL,
                created_at REAL NOT NULL
            );
            CREATE INDEX module_validations_by_module ON module_validations (module_id, id);
            CREATE TABLE module_installs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL,
                module_id TEXT NOT NULL REFERENCES module_versions (id),
                action TEXT NOT NULL CHECK (action IN ('install', 'rollback')),
                actor TEXT NOT NULL,
                created_at REAL NOT NULL
            );
            CREATE INDEX module_installs_by_name ON module_installs (name, id);
            CREATE TRIGGER module_installs_no_update BEFORE UPDATE ON module_installs BEGIN
                SELECT RAISE(ABORT, 'the install history is append-only: install or roll back instead');
            END;
            CREATE TRIGGER module_installs_no_delete BEFORE DELETE ON module_installs BEGIN
                SELECT RAISE(ABORT, 'the install history is append-only: install or roll back instead');
            END;
            """)

        // The ledger: leaf `position` is 0-based; a checkpoint signs the Merkle root of the first
        // `tree_size` entries.
        try db.execute(sql: """
            CREATE TABLE ledger_entries (
                position INTEGER PRIMARY KEY NOT NULL CHECK (position >= 0),
                action TEXT NOT NULL,
                subject TEXT NOT NULL,
                actor TEXT NOT NULL,
                time_ms INTEGER NOT NULL,
                detail TEXT NOT NULL,
                key_id TEXT NOT NULL,
                signature TEXT NOT NULL
            );
            CREATE INDEX ledger_entries_by_subject ON ledger_entries (subject);
            CREATE TABLE ledger_checkpoints (
                tree_size INTEGER PRIMARY KEY NOT NULL CHECK (tree_size > 0),
                root_hash TEXT NOT NULL,
                time_ms INTEGER NOT NULL,
                key_id TEXT NOT NULL,
                signature TEXT NOT NULL
            );
            CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries BEGIN
                SELECT RAISE(ABORT, 'the ledger is append-only');
            END;
            CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries BEGIN
                SELECT RAISE(ABORT, 'the ledger is append-only');
            END;
            CREATE TRIGGER ledger_checkpoints_no_update BEFORE UPDATE ON ledger_checkpoints BEGIN
                SELECT RAISE(ABORT, 'the ledger is append-only');
            END;
            CREATE TRIGGER ledger_checkpoints_no_delete BEFORE DELETE ON ledger_checkpoints BEGIN
                SELECT RAISE(ABORT, 'the ledger is append-only');
            END;
            """)
    }
}
