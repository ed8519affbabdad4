import GRDB

extension NexusMigrations {
    /// A trace keeps the post-conditions its success rested on (JSON of `PostConditions`), so a
    /// replay can check them on its own end state. NULL for traces recorded before, or of runs
    /// that did not succeed.
    static func v6TracePostConditions(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE traces ADD COLUMN postconditions TEXT")
    }
}
