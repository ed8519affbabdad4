public import Foundation
import GRDB
public import NexusCore

/// One call through the gateway as stored: the org it was made for, its purpose, the route that
/// answered (nil when none did), every attempt (`route`, `outcome`, `error`, `seconds`), latency
/// and tokens.
public struct StoredGatewayCall: Sendable, Hashable {
    public var org: String
    public var purpose: String
    public var route: String?
    public var attempts: JSONValue
    public var seconds: Double
    public var promptTokens: Int
    public var completionTokens: Int
    public var at: Date

    public init(org: String, purpose: String, route: String?, attempts: JSONValue, seconds: Double,
                promptTokens: Int, completionTokens: Int, at: Date) {
        self.org = org
        self.purpose = purpose
        self.route = route
        self.attempts = attempts
        self.seconds = seconds
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.at = at
    }
}

/// The gateway's journal of calls. It is the server's own metering, read by the gateway alone
/// (its purpose budgets span orgs), never by a tenant's route; each call carries its org.
public struct GatewayCallStore: Sendable {
    public let database: NexusDatabase

    public init(database: NexusDatabase) {
        self.database = database
    }

    public func record(_ call: StoredGatewayCall) async throws {
        try await database.writeAsync("record a gateway call") { db in
            try db.execute(sql: """
                INSERT INTO gateway_calls (org, purpose, route, attempts, seconds, prompt_tokens, completion_tokens, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [call.org, call.purpose, call.route, call.attempts.jsonText, call.seconds,
                                 call.promptTokens, call.completionTokens, call.at.timeIntervalSince1970])
        }
    }

    /// Every org's calls since `date`, oldest first.
    public func calls(since date: Date) async throws -> [StoredGatewayCall] {
        try await database.readAsync("read gateway calls") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM gateway_calls WHERE at >= ? ORDER BY at, id",
                             arguments: [date.timeIntervalSince1970]).map { row in
                StoredGatewayCall(org: try row.value("org"), purpose: try row.value("purpose"), route: row["route"],
                                  attempts: try row.json("attempts"), seconds: try row.value("seconds"),
                                  promptTokens: try row.value("prompt_tokens"), completionTokens: try row.value("completion_tokens"),
                                  at: try row.date("at"))
            }
        }
    }
}
