public import Foundation
import GRDB
public import NexusCore

/// Metered usage and the limits on it, in `nexus.db`. Events are appended once each and rolled up
/// in the same transaction; every read here reads roll-ups.
public struct UsageStore: Sendable {
    public let database: NexusDatabase
    /// The org whose usage and limits this store reads and writes: the database handle's.
    public var org: String { database.org.rawValue }

    public init(database: NexusDatabase) {
        self.database = database
    }

    /// The same store over `org`'s usage and limits.
    public func scoped(to org: OrgName) -> UsageStore {
        UsageStore(database: database.scoped(to: org))
    }

    /// The store of the org `subject` belongs to: the org it names, or the org of the key it names.
    /// - Throws: `NexusError(.notFound)` for an org or a key that does not exist.
    public func owning(_ subject: LimitSubject) async throws -> UsageStore {
        switch subject {
        case .org(let name):
            guard OrgName.isValid(name), try await !OrgStore(database: database).listAsync(only: OrgName(unchecked: name)).isEmpty else {
                throw NexusError(.notFound, "there is no org '\(name.prefix(40))'; `nexus orgs list` shows them")
            }
            return scoped(to: OrgName(unchecked: name))
        case .key(let id):
            guard let key = try await KeyStore(database: database).keyAsync(id: id, org: nil) else {
                throw NexusError(.notFound, "there is no API key \(id.prefix(40)); `nexus keys list` shows them")
            }
            return scoped(to: key.org)
        }
    }

    /// Roll-up periods, each with its length in milliseconds.
    public enum Granularity: String, Sendable, CaseIterable {
        case minute, hour, day

        var milliseconds: Int64 {
            switch self {
            case .minute: 60_000
            case .hour: 3_600_000
            case .day: 86_400_000
            }
        }

        func start(of timeMillis: Int64) -> Int64 { timeMillis - timeMillis % milliseconds }
    }

    // MARK: - Events

    /// Stores `events`; one whose idempotency key is already stored is skipped (counted once).
    /// The roll-ups take the new events' sums in the same transaction, one row update per
    /// period, key and model however many events the batch holds.
    /// - Returns: How many were new.
    @discardableResult
    public func record(_ events: [UsageEvent]) async throws -> Int {
        guard !events.isEmpty else { return 0 }
        return try await database.writeAsync("record usage") { db in
            let insert = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO usage_events (idempotency_key, time_ms, org, key_id, model, kind, prompt_tokens, completion_tokens,
                                                    tool_calls, module_calls, run_units, sandbox_cpu_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            var sums: [RollupKey: Totals] = [:]
            var inserted = 0
            for event in events {
                let time = Int64((event.time.timeIntervalSince1970 * 1000).rounded())
                try insert.execute(arguments: [event.idempotencyKey, time, event.org, event.keyID, event.model, event.kind.rawValue,
                                               event.promptTokens, event.completionTokens, event.toolCalls, event.moduleCalls, event.runUnits,
                                               event.sandboxCPUMillis])
                guard db.changesCount > 0 else { continue }
                inserted += 1
                for granularity in Granularity.allCases {
                    let key = RollupKey(granularity: granularity, org: event.org, start: granularity.start(of: time), keyID: event.keyID, model: event.model)
                    sums[key, default: Totals(start: Date(timeIntervalSince1970: 0))].add(event)
                }
            }
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO usage_rollups (period, org, start_ms, key_id, model, requests, prompt_tokens, completion_tokens,
                                           tool_calls, module_calls, run_units, sandbox_cpu_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (period, org, start_ms, key_id, model) DO UPDATE SET
                    requests = requests + excluded.requests, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
                    completion_tokens = completion_tokens + excluded.completion_tokens, tool_calls = tool_calls + excluded.tool_calls,
                    module_calls = module_calls + excluded.module_calls, run_units = run_units + excluded.run_units,
                    sandbox_cpu_ms = sandbox_cpu_ms + excluded.sandbox_cpu_ms
                """)
            for (key, sum) in sums {
                try upsert.execute(arguments: [key.granularity.rawValue, key.org, key.start, key.keyID, key.model, sum.requests,
                                               sum.promptTokens, sum.completionTokens, sum.toolCalls, sum.moduleCalls, sum.runUnits,
                                               sum.sandboxCPUMillis])
            }
            return inserted
        }
    }

    /// One roll-up row: a period's start, org, key and model.
    private struct RollupKey: Hashable {
        var granularity: Granularity
        var org: String
        var start: Int64
        var keyID: String
        var model: String
    }

    // MARK: - Reports

    /// What a usage report asks for.
    public struct Query: Sendable, Hashable {
        public var granularity: Granularity
        public var since: Date?
        public var until: Date?
        public var keyID: String?
        public var model: String?
        /// Keep keys (and models) apart in the rows, or add them up.
        public var byKey: Bool
        public var byModel: Bool

        public init(granularity: Granularity = .day, since: Date? = nil, until: Date? = nil, keyID: String? = nil, model: String? = nil,
                    byKey: Bool = true, byModel: Bool = true) {
            self.granularity = granularity
            self.since = since
            self.until = until
            self.keyID = keyID
            self.model = model
            self.byKey = byKey
            self.byModel = byModel
        }
    }

    /// One row of a report: a period's totals for a key and a model (or all of them).
    public struct Totals: Sendable, Hashable {
        public var start: Date
        /// nil where the report adds keys (or models) up.
        public var keyID: String?
        public var model: String?
        public var requests = 0
        public var promptTokens = 0
        public var completionTokens = 0
        public var toolCalls = 0
        public var moduleCalls = 0
        public var runUnits = 0
        public var sandboxCPUMillis = 0

        mutating func add(_ event: UsageEvent) {
            requests += 1
            promptTokens += event.promptTokens
            completionTokens += event.completionTokens
            toolCalls += event.toolCalls
            moduleCalls += event.moduleCalls
            runUnits += event.runUnits
            sandboxCPUMillis += event.sandboxCPUMillis
        }

        public var json: JSONValue {
            var object: JSONObject = [
                "start": .string(start.ISO8601Format()),
                "requests": .number(Double(requests)), "prompt_tokens": .number(Double(promptTokens)),
                "completion_tokens": .number(Double(completionTokens)), "total_tokens": .number(Double(promptTokens + completionTokens)),
                "tool_calls": .number(Double(toolCalls)), "module_calls": .number(Double(moduleCalls)), "run_units": .number(Double(runUnits)),
                "sandbox_cpu_seconds": .number(Double(sandboxCPUMillis) / 1000),
            ]
            if let keyID { object["key_id"] = .string(keyID) }
            if let model { object["model"] = .string(model) }
            return .object(object)
        }
    }

    /// The report, oldest period first; within a period, by key and model.
    public func totals(_ query: Query) async throws -> [Totals] {
        var conditions = ["period = ?", "org = ?"]
        var values: [any DatabaseValueConvertible] = [query.granularity.rawValue, org]
        if let since = query.since {
            conditions.append("start_ms >= ?")
            values.append(query.granularity.start(of: Int64(since.timeIntervalSince1970 * 1000)))
        }
        if let until = query.until {
            conditions.append("start_ms <= ?")
            values.append(Int64(until.timeIntervalSince1970 * 1000))
        }
        if let keyID = query.keyID {
            conditions.append("key_id = ?")
            values.append(keyID)
        }
        if let model = query.model {
            conditions.append("model = ?")
            values.append(model)
        }
        let groups = ["start_ms"] + (query.byKey ? ["key_id"] : []) + (query.byModel ? ["model"] : [])
        let sql = """
            SELECT \(groups.joined(separator: ", ")), SUM(requests) AS requests, SUM(prompt_tokens) AS prompt_tokens,
                   SUM(completion_tokens) AS completion_tokens, SUM(tool_calls) AS tool_calls, SUM(module_calls) AS module_calls,
                   SUM(run_units) AS run_units, SUM(sandbox_cpu_ms) AS sandbox_cpu_ms
            FROM usage_rollups WHERE \(conditions.joined(separator: " AND "))
            GROUP BY \(groups.joined(separator: ", ")) ORDER BY \(groups.joined(separator: ", ")) LIMIT 10000
            """
        let arguments = StatementArguments(values.map { $0.databaseValue })
        let (byKey, byModel) = (query.byKey, query.byModel)
        return try await database.readAsync("read the usage report") { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                Totals(start: Date(timeIntervalSince1970: Double(row["start_ms"] as Int64) / 1000),
                       keyID: byKey ? row["key_id"] as String : nil, model: byModel ? row["model"] as String : nil,
                       requests: row["requests"], promptTokens: row["prompt_tokens"], completionTokens: row["completion_tokens"],
                       toolCalls: row["tool_calls"], moduleCalls: row["module_calls"], runUnits: row["run_units"],
                       sandboxCPUMillis: row["sandbox_cpu_ms"])
            }
        }
    }

    /// What `subject` used of `measure` since the start of the quota period holding `date`.
    public func used(by subject: LimitSubject, _ measure: UsageLimitName.Measure, in period: QuotaPeriod, at date: Date = Date()) async throws -> Int {
        let start = Int64(period.bounds(of: date).start.timeIntervalSince1970 * 1000)
        // Hour quotas read hour roll-ups; day and month quotas read day roll-ups (UTC days start on the day's boundary).
        let granularity: Granularity = period == .hour ? .hour : .day
        let column = measure == .tokens ? "prompt_tokens + completion_tokens" : "run_units"
        var sql = "SELECT COALESCE(SUM(\(column)), 0) FROM usage_rollups WHERE period = ? AND org = ? AND start_ms >= ?"
        var values: [any DatabaseValueConvertible] = [granularity.rawValue, org, start]
        if case .key(let id) = subject {
            sql += " AND key_id = ?"
            values.append(id)
        } else if subject.name != org {
            return 0
        }
        let (query, arguments) = (sql, StatementArguments(values.map { $0.databaseValue }))
        return try await database.readAsync("read the usage for a quota") { db in try Int.fetchOne(db, sql: query, arguments: arguments) ?? 0 }
    }

    // MARK: - Limits

    /// Every limit of this org, by subject and name.
    public func limits() async throws -> [UsageLimit] {
        try await limits(org: org)
    }

    /// Every limit of every org, for the governor, which admits the requests of all of them.
    /// (Key ids and org names are unique across orgs, so a subject names one thing.)
    public func everyOrgsLimits() async throws -> [UsageLimit] {
        try await limits(org: nil)
    }

    private func limits(org: String?) async throws -> [UsageLimit] {
        try await database.readAsync("read the usage limits") { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM usage_limits WHERE (?1 IS NULL OR org = ?1) AND (scope = 'key' OR subject = org)
                ORDER BY org, scope DESC, subject, name
                """, arguments: [org]).compactMap { row in
                let scope: String = row["scope"], subject: String = row["subject"]
                // A name a later version added is skipped here, not guessed at.
                guard let name = UsageLimitName(rawValue: row["name"]) else { return nil }
                return UsageLimit(subject: scope == "org" ? .org(subject) : .key(subject), name: name, value: row["value"],
                                  soft: row["soft"], updatedAt: try row.date("updated_at"))
            }
        }
    }

    /// Sets a limit, replacing the one of the same subject and name.
    /// - Throws: `NexusError(.invalidArgument)` for a soft value on a rate limit or above the hard value.
    public func set(_ limit: UsageLimit) async throws {
        if let soft = limit.soft {
            guard limit.name.quota != nil else {
                throw NexusError(.invalidArgument, "\(limit.name.rawValue) is a rate limit; only quotas (tokens_per_day, …) take a soft value")
            }
            guard soft <= limit.value else {
                throw NexusError(.invalidArgument, "the soft value \(soft) is above the hard value \(limit.value); a soft limit warns before the hard one refuses")
            }
        }
        guard limit.value >= 0 else { throw NexusError(.invalidArgument, "a limit cannot be negative") }
        let org = self.org
        try await database.writeAsync("set the limit \(limit.name.rawValue)") { db in
            try db.execute(sql: """
                INSERT INTO usage_limits (org, scope, subject, name, value, soft, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (org, scope, subject, name) DO UPDATE SET value = excluded.value, soft = excluded.soft, updated_at = excluded.updated_at
                """, arguments: [org, limit.subject.scope, limit.subject.name, limit.name.rawValue, limit.value, limit.soft,
                                 limit.updatedAt.timeIntervalSince1970])
        }
    }

    /// Removes a limit.
    /// - Returns: Whether there was one.
    @discardableResult
    public func remove(_ subject: LimitSubject, _ name: UsageLimitName) async throws -> Bool {
        let org = self.org
        return try await database.writeAsync("remove the limit \(name.rawValue)") { db in
            try db.execute(sql: "DELETE FROM usage_limits WHERE org = ? AND scope = ? AND subject = ? AND name = ?",
                           arguments: [org, subject.scope, subject.name, name.rawValue])
            return db.changesCount > 0
        }
    }
}
