public import NexusCore

/// What one SQL statement on a user's database returned.
public struct ExternalQueryResult: Sendable, Hashable {
    /// The result's column names, in order (a repeated name gets a suffix: "id", "id_2").
    public var columns: [String]
    /// The rows kept, each an object keyed by `columns`. Integers beyond ±2^53 and blobs are
    /// strings: the integer's digits, or "base64:" and the blob's bytes in base64.
    public var rows: [JSONObject]
    /// Rows inserted, updated or deleted by the statement.
    public var changes: Int
    /// Whether rows were left out to keep the result within its byte budget.
    public var truncated: Bool

    public init(columns: [String], rows: [JSONObject], changes: Int, truncated: Bool) {
        self.columns = columns
        self.rows = rows
        self.changes = changes
        self.truncated = truncated
    }

    /// The result as a JSON object: `{"columns", "rows", "row_count", "changes", "truncated"}`.
    public var jsonValue: JSONValue {
        .object(JSONObject([
            ("columns", .array(columns.map(JSONValue.string))),
            ("rows", .array(rows.map(JSONValue.object))),
            ("row_count", .number(Double(rows.count))),
            ("changes", .number(Double(changes))),
            ("truncated", .bool(truncated)),
        ]))
    }
}
