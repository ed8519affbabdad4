import Foundation
import GRDB
import NexusCore

/// Goals and their plans: added, advanced step by step, closed.
public struct GoalStore: Sendable {
    let database: NexusDatabase

    public init(database: NexusDatabase) {
        self.database = database
    }

    /// Adds an open goal.
    /// - Parameters:
    ///   - title: What is wanted, in a line.
    ///   - detail: More, if any.
    ///   - plan: The plan's steps, in order (all pending); blank ones are dropped.
    /// - Throws: `NexusError(.invalidArgument)` for an empty title, `.databaseFailed` when it cannot be saved.
    public func add(_ title: String, detail: String? = nil, plan: [String] = []) throws -> Goal {
        let title = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty else {
            throw NexusError(.invalidArgument, "a goal needs a title; got an empty text")
        }
        let steps = Self.clean(plan)
        let now = Date()
        let id = try database.write("add a goal") { db in
            try db.execute(sql: "INSERT INTO goals (title, detail, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [title, detail, Goal.Status.open.rawValue, now.databaseSeconds, now.databaseSeconds])
            let id = db.lastInsertedRowID
            try Self.insert(steps, goalID: id, db)
            return id
        }
        return Goal(id: id, title: title, detail: detail, status: .open, plan: steps, createdAt: now, updatedAt: now)
    }

    /// The goal with this id, with its plan, or nil.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func goal(id: Int64) throws -> Goal? {
        try database.read("load goal \(id)") { db in
            try Row.fetchOne(db, sql: "SELECT * FROM goals WHERE id = ?", arguments: [id]).map { try Self.goal(from: $0, db) }
        }
    }

    /// Goals, the most recently changed first.
    /// - Parameters:
    ///   - status: Only goals with this status, when given.
    ///   - limit: The most goals returned.
    /// - Throws: `NexusError(.databaseFailed)` when the database cannot be read.
    public func list(status: Goal.Status? = nil, limit: Int = 50) throws -> [Goal] {
        try database.read("list goals") { db in
            let rows: [Row]
            if let status {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM goals WHERE status = ? ORDER BY updated_at DESC, id DESC LIMIT ?",
                                        arguments: [status.rawValue, max(limit, 0)])
            } else {
                rows = try Row.fetchAll(db, sql: "SELECT * FROM goals ORDER BY updated_at DESC, id DESC LIMIT ?", arguments: [max(limit, 0)])
            }
            return try rows.map { try Self.goal(from: $0, db) }
        }
    }

    /// Changes a goal's status.
    /// - Throws: `NexusError(.notFound)` when there is no such goal, `.databaseFailed` when it cannot be saved.
    public func setStatus(goalID: Int64, _ status: Goal.Status) throws {
        try database.write("update goal \(goalID)") { db in
            try db.execute(sql: "UPDATE goals SET status = ?, updated_at = ? WHERE id = ?",
                           arguments: [status.rawValue, Date().databaseSeconds, goalID])
            guard db.changesCount > 0 else { throw NexusError(.notFound, "there is no goal \(goalID)") }
        }
    }

    /// Changes the status of one step of a goal's plan.
    /// - Parameters:
    ///   - goalID: The goal.
    ///   - index: The step's position in the plan, from 0.
    ///   - status: Its new status.
    /// - Throws: `NexusError(.notFound)` when the goal or the step does not exist, `.databaseFailed` when it cannot be saved.
    public func setStepStatus(goalID: Int64, step index: Int, _ status: PlanStep.Status) throws {
        try database.write("update goal \(goalID)") { db in
            try db.execute(sql: "UPDATE goal_steps SET status = ? WHERE goal_id = ? AND position = ?",
                           arguments: [status.rawValue, goalID, index])
            guard db.changesCount > 0 else {
                let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM goal_steps WHERE goal_id = ?", arguments: [goalID]) ?? 0
                throw NexusError(.notFound, "goal \(goalID) has no step \(index) (its plan has \(count) steps, numbered from 0)")
            }
            try Self.touch(goalID, db)
        }
    }

    /// Replaces a goal's plan with new, pending steps.
    /// - Throws: `NexusError(.notFound)` when there is no such goal, `.databaseFailed` when it cannot be saved.
    public func replacePlan(goalID: Int64, with plan: [String]) throws {
        try database.write("replan goal \(goalID)") { db in
            try Self.touch(goalID, db)
            try db.execute(sql: "DELETE FROM goal_steps WHERE goal_id = ?", arguments: [goalID])
            try Self.insert(Self.clean(plan), goalID: goalID, db)
        }
    }

    /// Deletes a goal and its plan.
    /// - Returns: Whether it existed.
    /// - Throws: `NexusError(.databaseFailed)` when it cannot be deleted.
    @discardableResult
    public func delete(id: Int64) throws -> Bool {
        try database.write("delete goal \(id)") { db in
            try db.execute(sql: "DELETE FROM goals WHERE id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    private static func clean(_ plan: [String]) -> [PlanStep] {
        plan.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.map { PlanStep($0) }
    }

    private static func touch(_ goalID: Int64, _ db: Database) throws {
        try db.execute(sql: "UPDATE goals SET updated_at = ? WHERE id = ?", arguments: [Date().databaseSeconds, goalID])
        guard db.changesCount > 0 else { throw NexusError(.notFound, "there is no goal \(goalID)") }
    }

    private static func insert(_ steps: [PlanStep], goalID: Int64, _ db: Database) throws {
        for (position, step) in steps.enumerated() {
            try db.execute(sql: "INSERT INTO goal_steps (goal_id, position, description, status) VALUES (?, ?, ?, ?)",
                           arguments: [goalID, position, step.description, step.status.rawValue])
        }
    }

    private static func goal(from row: Row, _ db: Database) throws -> Goal {
        let id: Int64 = try row.value("id")
        let statusText: String = try row.value("status")
        let steps = try Row.fetchAll(db, sql: "SELECT * FROM goal_steps WHERE goal_id = ? ORDER BY position", arguments: [id]).map { step in
            let text: String = try step.value("status")
            return PlanStep(try step.value("description"), status: PlanStep.Status(rawValue: text) ?? .pending)
        }
        return Goal(id: id, title: try row.value("title"), detail: try row.value("detail"),
                    status: Goal.Status(rawValue: statusText) ?? .open, plan: steps,
                    createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }
}
