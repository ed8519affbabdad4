public import Foundation
import GRDB
public import NexusCore

/// One toolsmith build: a description and examples turned, or not, into a validated module.
public struct ModuleBuild: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        /// Still making attempts.
        case building
        /// Passed its tests and the held-out ones; a validated draft (maybe waiting for approval).
        case validated
        /// Stopped within its bounds without a module; `reason` says why.
        case failed
    }

    public var id: String
    public var org: String
    public var name: String
    public var description: String
    /// The examples the model saw, and the ones kept from it to accept the module.
    public var examples: JSONValue
    public var heldOut: JSONValue
    public var requestedBy: String
    public var status: Status
    public var reason: String
    public var moduleID: String?
    public var startedAt: Date
    public var finishedAt: Date?

    public init(id: String, org: String = "default", name: String, description: String, examples: JSONValue, heldOut: JSONValue,
                requestedBy: String, status: Status = .building, reason: String = "", moduleID: String? = nil,
                startedAt: Date = Date(), finishedAt: Date? = nil) {
        self.id = id
        self.org = org
        self.name = name
        self.description = description
        self.examples = examples
        self.heldOut = heldOut
        self.requestedBy = requestedBy
        self.status = status
        self.reason = reason
        self.moduleID = moduleID
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// One attempt of a build: what the model was asked and answered, and how its module fared.
public struct ModuleBuildAttempt: Sendable, Hashable {
    public var number: Int
    /// `build` (from the description) or `repair` (from the last attempt's report).
    public var purpose: String
    public var prompt: String
    public var output: String
    /// The merged validation report (static findings, runtime errors, failing tests, hints).
    public var report: JSONValue
    /// Error class, normalized message and failing test of the first failure; empty when it passed.
    public var fingerprint: String
    public var passedChecks: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var seconds: Double

    public init(number: Int, purpose: String, prompt: String, output: String, report: JSONValue, fingerprint: String,
                passedChecks: Int, promptTokens: Int, completionTokens: Int, seconds: Double) {
        self.number = number
        self.purpose = purpose
        self.prompt = prompt
        self.output = output
        self.report = report
        self.fingerprint = fingerprint
        self.passedChecks = passedChecks
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.seconds = seconds
    }
}

/// The toolsmith's builds and their attempts, in the handle's org.
public struct ModuleBuildStore: Sendable {
    public let database: NexusDatabase
    public var org: String { database.org.rawValue }

    public init(database: NexusDatabase) {
        self.database = database
    }

    public func start(_ build: ModuleBuild) throws {
        let org = self.org
        try database.write("record module build \(build.id)") { db in
            try db.execute(sql: """
                INSERT INTO module_builds (id, org, name, description, examples, held_out, requested_by, status, reason, started_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [build.id, org, build.name, build.description, build.examples.jsonText, build.heldOut.jsonText,
                                 build.requestedBy, build.status.rawValue, build.reason, build.startedAt.timeIntervalSince1970])
        }
    }

    public func add(_ attempt: ModuleBuildAttempt, to buildID: String) throws {
        try database.write("record attempt \(attempt.number) of module build \(buildID)") { db in
            try db.execute(sql: """
                INSERT INTO module_build_attempts (build_id, number, purpose, prompt, output, report, fingerprint, passed_checks,
                                                   prompt_tokens, completion_tokens, seconds)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [buildID, attempt.number, attempt.purpose, attempt.prompt, attempt.output, attempt.report.jsonText,
                                 attempt.fingerprint, attempt.passedChecks, attempt.promptTokens, attempt.completionTokens, attempt.seconds])
        }
    }

    public func finish(_ buildID: String, status: ModuleBuild.Status, reason: String, moduleID: String?) throws {
        let org = self.org
        try database.write("finish module build \(buildID)") { db in
            try db.execute(sql: "UPDATE module_builds SET status = ?, reason = ?, module_id = ?, finished_at = ? WHERE id = ? AND org = ?",
                           arguments: [status.rawValue, reason, moduleID, Date().timeIntervalSince1970, buildID, org])
        }
    }

    /// The build with its attempts, nil when this org has no such build.
    public func build(_ id: String) throws -> (build: ModuleBuild, attempts: [ModuleBuildAttempt])? {
        let org = self.org
        return try database.read("read module build \(id)") { db in try Self.build(id, org: org, db) }
    }

    /// ``build(_:)`` from async code.
    public func buildAsync(_ id: String) async throws -> (build: ModuleBuild, attempts: [ModuleBuildAttempt])? {
        let org = self.org
        return try await database.readAsync("read module build \(id)") { db in try Self.build(id, org: org, db) }
    }

    /// The newest builds first.
    public func list(limit: Int = 50) throws -> [ModuleBuild] {
        let org = self.org
        return try database.read("list module builds") { db in try Self.list(org, limit: limit, db) }
    }

    /// ``list(limit:)`` from async code.
    public func listAsync(limit: Int = 50) async throws -> [ModuleBuild] {
        let org = self.org
        return try await database.readAsync("list module builds") { db in try Self.list(org, limit: limit, db) }
    }

    private static func list(_ org: String, limit: Int, _ db: Database) throws -> [ModuleBuild] {
        try Row.fetchAll(db, sql: "SELECT * FROM module_builds WHERE org = ? ORDER BY started_at DESC LIMIT ?",
                         arguments: [org, limit]).map(Self.build)
    }

    private static func build(_ id: String, org: String, _ db: Database) throws -> (build: ModuleBuild, attempts: [ModuleBuildAttempt])? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM module_builds WHERE id = ? AND org = ?", arguments: [id, org]) else {
            return nil
        }
        let attempts = try Row.fetchAll(db, sql: "SELECT * FROM module_build_attempts WHERE build_id = ? ORDER BY number", arguments: [id]).map { row in
            ModuleBuildAttempt(number: row["number"], purpose: row["purpose"], prompt: row["prompt"], output: row["output"],
                               report: (try? JSONValue.parse(row["report"] as String)) ?? .null, fingerprint: row["fingerprint"],
                               passedChecks: row["passed_checks"], promptTokens: row["prompt_tokens"],
                               completionTokens: row["completion_tokens"], seconds: row["seconds"])
        }
        return (try Self.build(row), attempts)
    }

    private static func build(_ row: Row) throws -> ModuleBuild {
        ModuleBuild(id: row["id"], org: row["org"], name: row["name"], description: row["description"],
                    examples: (try? JSONValue.parse(row["examples"] as String)) ?? .array([]),
                    heldOut: (try? JSONValue.parse(row["held_out"] as String)) ?? .array([]),
                    requestedBy: row["requested_by"], status: ModuleBuild.Status(rawValue: row["status"]) ?? .failed,
                    reason: row["reason"], moduleID: row["module_id"],
                    startedAt: Date(timeIntervalSince1970: row["started_at"]),
                    finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}
