public import Foundation
public import NexusInference
public import NexusStore
import NexusCore

/// The gateway's journal in `nexus.db` (``GatewayCallStore``), for the server and the CLI alike.
public struct StoredGatewayJournal: GatewayJournal {
    let store: GatewayCallStore

    public init(database: NexusDatabase) {
        store = GatewayCallStore(database: database)
    }

    public func record(_ call: GatewayCall) async throws {
        try await store.record(StoredGatewayCall(
            org: call.org, purpose: call.purpose.rawValue, route: call.route, attempts: .array(call.attempts.map(Self.json)),
            seconds: call.seconds, promptTokens: call.promptTokens, completionTokens: call.completionTokens, at: call.at))
    }

    public func calls(since date: Date) async throws -> [GatewayCall] {
        try await store.calls(since: date).compactMap { stored in
            // A purpose a later version dropped is not charged to anything.
            guard let purpose = GatewayPurpose(rawValue: stored.purpose) else { return nil }
            let attempts = (stored.attempts.arrayValue ?? []).map { item in
                GatewayCall.Attempt(route: item["route"]?.stringValue ?? "", outcome: item["outcome"]?.stringValue ?? "",
                                    error: item["error"]?.stringValue, seconds: item["seconds"]?.numberValue ?? 0)
            }
            return GatewayCall(purpose: purpose, org: stored.org, route: stored.route, attempts: attempts, seconds: stored.seconds,
                               promptTokens: stored.promptTokens, completionTokens: stored.completionTokens, at: stored.at)
        }
    }

    /// An attempt as the journal and `GET /admin/gateway` write it.
    static func json(_ attempt: GatewayCall.Attempt) -> JSONValue {
        ["route": .string(attempt.route), "outcome": .string(attempt.outcome), "error": attempt.error.map(JSONValue.string) ?? .null,
         "seconds": .number((attempt.seconds * 1000).rounded() / 1000)]
    }
}
