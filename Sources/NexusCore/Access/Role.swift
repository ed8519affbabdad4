import Foundation

/// What an API key may do, from least to most: viewer < operator < admin < owner.
///
/// Each role holds every permission of the roles below it (see `Permission.minimumRole` for the
/// matrix). Roles are written as lowercase words everywhere: in the database, in JSON and on the
/// command line (`nexus keys create --role operator`).
public enum Role: String, Sendable, Codable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    /// Reads: model lists, agent runs and their events, metrics.
    case viewer
    /// Also generates (chat, completions, embeddings) and runs agents, which execute tools.
    case `operator`
    /// Also manages models (pull, create, copy, delete) and the server's administration API.
    case admin
    /// Also manages API keys.
    case owner

    /// The roles' names, lowest first, for messages ("viewer, operator, admin or owner").
    public static let namesInOrder = "viewer, operator, admin or owner"

    /// Parses a role name as a user types it: case and surrounding spaces do not matter.
    /// - Parameter text: "viewer", "Operator", " admin ", ...
    /// - Throws: `NexusError(.invalidArgument)` naming the four roles when `text` is none of them.
    public init(parsing text: String) throws {
        let name = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let role = Role(rawValue: name) else {
            throw NexusError(.invalidArgument, "'\(text)' is not a role; use \(Role.namesInOrder)")
        }
        self = role
    }

    /// The role's place in the order, 0 for viewer.
    public var rank: Int {
        switch self {
        case .viewer: 0
        case .operator: 1
        case .admin: 2
        case .owner: 3
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    /// Whether a key with this role may do what `permission` covers.
    public func allows(_ permission: Permission) -> Bool { self >= permission.minimumRole }

    public var description: String { rawValue }
}
