import Foundation
import Hummingbird
import NexusAgent
import NexusCore
import NexusModules
import NexusStore

/// `GET /v1/learning`: what HOPE learned in the caller's org, per task shape: uses, success, the
/// modes it ran in (learner → follower → crystallized), what replaying saved, its module and the
/// demotions that stopped a replay (`nexus traces list` and `show`, summed by shape); and the
/// traces ready to crystallize, highest priority first (`nexus crystallize --list`).
struct LearningRoutes: Sendable {
    let database: NexusDatabase
    /// Only to make the crystallizer that ranks candidates; nil lists none.
    let lifecycle: (@Sendable () throws -> ModuleLifecycle)?

    func register(on router: Router<NexusRequestContext>) {
        router.get("/v1/learning") { request, context in
            let org = try OrgScope.of(request, context)
            let limit = min(500, max(1, request.uri.queryParameters.get("limit").flatMap { Int($0) } ?? 100))
            let scoped = database.scoped(to: org)
            let shapes = try await TraceStore(database: scoped).shapes(limit: limit)
            var candidates: [Crystallizer.Candidate] = []
            if let lifecycle = try? lifecycle?() {
                // The crystallizer's own ranking (seed 004's priority), read on a thread of its own.
                candidates = try await BlockingWork.run { try Crystallizer(database: scoped, lifecycle: lifecycle).candidates() }
            }
            return Response.json(["org": .string(org.rawValue), "shapes": .array(shapes.map(Self.json)),
                                  "candidates": .array(candidates.map(Self.json))])
        }
    }

    static func json(_ candidate: Crystallizer.Candidate) -> JSONValue {
        [
            "run_id": .string(candidate.reuse.trace.runID),
            "task": .string(candidate.reuse.trace.task),
            "signature": .string(candidate.reuse.trace.signature),
            "uses": .number(Double(candidate.reuse.uses)),
            "success_rate": .number(candidate.reuse.successRate),
            "priority": .number((candidate.priority * 10).rounded() / 10),
            "replaces": candidate.replaces.map(JSONValue.string) ?? .null,
        ]
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
