import Foundation
import GRDB
public import NexusCore

extension TraceStore {
    /// Keeps the post-conditions of a recorded trace (replacing earlier ones).
    /// - Throws: `NexusError(.notFound)` when the run has no trace, `.databaseFailed` when it cannot be saved.
    public func setPostConditions(runID: String, _ conditions: PostConditions) throws {
        let text = String(decoding: try JSONEncoder().encode(conditions), as: UTF8.self)
        try database.write("keep the post-conditions of trace \(runID)") { db in
            try db.execute(sql: "UPDATE traces SET postconditions = ? WHERE run_id = ? AND org = ?", arguments: [text, runID, database.org.rawValue])
            guard db.changesCount == 1 else {
                throw NexusError(.notFound, "there is no trace of run \(runID) to keep post-conditions for")
            }
        }
    }
}
