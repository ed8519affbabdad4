import Foundation
import Hummingbird
import NexusCore
import NexusStore

/// `GET /v1/learning`: what HOPE learned in the caller's org, per task shape: uses, success, the
/// modes it ran in (learner → follower → crystallized), what replaying saved, its module and the
/// demotions that stopped a replay. The same as `nexus traces list` and `show`, summed by shape.
struct LearningRoutes: Sendable {
    let database: NexusDatabase

    func register(on router: Router<NexusRequestContext>) {
        router.get("/v1/learning") { request, context in
            let org = try OrgScope.of(request, context)
            let limit = min(500, max(1, request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 100))
            let shapes = try await TraceStore(database: database.scoped(to: org)).shapes(limit: limit)
            return Response.json(["org": .string(org.rawValue), "shapes": .array(shapes.map(Self.json))])
        }
    }

    static func json(_ shape: TaskShapeSummary) -> JSONValue {
        [
            "signature": .string(shape.signature),
            "example_task": .string(shape.exampleTask),
            "runs": .number(Double(shape.runs)),
            "successes": .number(Double(shape.successes)),
            "failures": .number(Double(shape.failures)),
            "modes": .array(shape.modes.map(JSONValue.string)),
            "model_free_runs": .number(Double(shape.modelFreeRuns)),
            "learner_tokens": .number(shape.learnerTokens.rounded()),
            "learner_seconds": .number((shape.learnerSeconds * 100).rounded() / 100),
            "tokens_saved": .number(shape.tokensSaved.rounded()),
            "seconds_saved": .number((shape.secondsSaved * 100).rounded() / 100),
            "crystallized_into": shape.crystallizedInto.map(JSONValue.string) ?? .null,
            "demotions": .number(Double(shape.demotions)),
            "demoted_because": shape.demotedBecause.map(JSONValue.string) ?? .null,
            "failed_replays": .number(Double(shape.failedReplays)),
            "last_run_at": .string(shape.lastRunAt.ISO8601Format()),
        ]
    }
}
