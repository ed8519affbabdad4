public import Foundation

/// Something the agent or the user wants done, with an optional plan of steps.
public struct Goal: Sendable, Codable, Hashable {
    public enum Status: String, Sendable, Codable, Hashable, CaseIterable {
        case open, active, done, abandoned
    }

    public var id: Int64
    public var title: String
    public var detail: String?
    public var status: Status
    public var plan: [PlanStep]
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: Int64, title: String, detail: String? = nil, status: Status = .open, plan: [PlanStep] = [],
                createdAt: Date = Date(), updatedAt: Date? = nil) {
        self.id = id
        self.title = title
        self.detail = detail
        self.status = status
        self.plan = plan
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}

/// One step of a goal's plan.
public struct PlanStep: Sendable, Codable, Hashable {
    public enum Status: String, Sendable, Codable, Hashable, CaseIterable {
        case pending, done, skipped
    }

    public var description: String
    public var status: Status

    public init(_ description: String, status: Status = .pending) {
        self.description = description
        self.status = status
    }
}
