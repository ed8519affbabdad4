import Foundation
import NexusCore
public import NexusModules
public import NexusStore

/// A person's verdict on a run (`nexus feedback RUN good|bad`), and what HOPE learns from it.
///
/// `bad` on a run that replayed a trace (FOLLOWER) or ran its module (CRYSTALLIZED) demotes that
/// trace at once: it is no longer followed, and its module, if it is the active version, is
/// rolled back through the signed lifecycle (`ModuleLifecycle.rollback`, a ledger entry); a
/// module with no earlier version stays installed but is passed over while its trace is
/// demoted. `good` given after the demotion to runs that used the trace (its own, its followers,
/// runs guided by it) counts towards
/// promoting it again: after `goodOutcomesToPromote` of them, or at once when the very run that
/// demoted it is judged good after all, the demotion is lifted and a rolled-back module is
/// installed again (also signed).
public struct HopeFeedback: Sendable {
    public let database: NexusDatabase
    /// Nil when modules cannot be touched (no ledger key): the trace is still demoted.
    public let lifecycle: ModuleLifecycle?
    public var goodOutcomesToPromote = 3

    public init(database: NexusDatabase, lifecycle: ModuleLifecycle?) {
        self.database = database
        self.lifecycle = lifecycle
    }

    /// What a verdict changed.
    public struct Outcome: Sendable {
        public var runID: String
        public var outcome: RunOutcome
        /// The demotion a bad verdict made (or found in force).
        public var demoted: TraceDemotion?
        /// The demotion a good verdict lifted.
        public var promoted: TraceDemotion?
        /// One line per change, for people.
        public var lines: [String]
    }

    /// Records the verdict and demotes or promotes the trace the run used.
    /// - Throws: `NexusError(.invalidArgument)` when there is no such run, `.databaseFailed`
    ///   when the store cannot be read or written.
    public func judge(runID: String, good: Bool, actor: String = "feedback") throws -> Outcome {
        let runs = RunStore(database: database)
        guard let run = try runs.run(id: runID) else {
            throw NexusError(.invalidArgument, "no run '\(runID)'; list runs with `nexus runs list`")
        }
        let outcome: RunOutcome = good ? .success : .failure
        try runs.setOutcome(runID: run.id, outcome: outcome, source: OutcomeSource.feedback)
        var result = Outcome(runID: run.id, outcome: outcome, lines: ["run \(run.id) marked \(outcome)"])
        let traces = TraceStore(database: database)
        guard let traceID = run.followedRunID, var trace = try traces.trace(runID: traceID) else { return result }
        // A follower's trace stands for the trace it followed (guidance may have shown either).
        if trace.mode == HopeMode.follower, let source = trace.followedRunID, let original = try traces.trace(runID: source) {
            trace = original
        }
        if !good, run.mode == HopeMode.follower || run.mode == HopeMode.crystallized {
            let module = run.mode == HopeMode.crystallized ? run.module ?? trace.crystallizedInto : trace.crystallizedInto
            let action = module.map { rollBack($0, actor: actor) } ?? ""
            let reason = "run \(run.id) (\(run.mode), \"\(run.task.prefix(80))\") was judged bad"
            let demotion = try traces.demote(runID: trace.runID, judgedRunID: run.id, reason: reason, module: module, moduleAction: action)
            result.demoted = demotion
            result.lines.append("trace \(trace.runID) demoted: \(demotion.reason); it is no longer followed" + (demotion.module == nil ? "" : "; module \(demotion.module!): \(demotion.moduleAction)"))
        } else if good, let demotion = try traces.demotions(of: trace.runID).last, demotion.liftedAt == nil {
            let since = try traces.goodOutcomesSinceDemotion(of: trace.runID)
            let reversed = demotion.judgedRunID == run.id
            guard reversed || since.count >= goodOutcomesToPromote else {
                result.lines.append("trace \(trace.runID) stays demoted: \(since.count) of \(goodOutcomesToPromote) good outcomes since its demotion")
                return result
            }
            let why = reversed ? "run \(run.id), which demoted it, was judged good" : "\(since.count) runs that used it since its demotion were judged good (\(since.suffix(goodOutcomesToPromote).joined(separator: ", ")))"
            var action = ""
            if let module = demotion.module, demotion.moduleAction.hasPrefix("rolled back"), let lifecycle {
                do {
                    try lifecycle.install(module, actor: actor)
                    action = "; module \(module) installed again"
                } catch let error as NexusError {
                    action = "; module \(module) not installed again: \(error.message)"
                }
            }
            result.promoted = try traces.liftDemotion(runID: trace.runID, reason: why + action)
            result.lines.append("trace \(trace.runID) promoted again: \(why)\(action)")
        }
        return result
    }

    /// Rolls a module back if it is the active version of its name; says what happened.
    private func rollBack(_ module: String, actor: String) -> String {
        guard let lifecycle else { return "not rolled back (no module lifecycle here); passed over while the trace is demoted" }
        let name = String(module.prefix { $0 != "@" })
        do {
            let store = ModuleStore(database: database)
            guard let active = try store.active(name: name), let record = try store.module(id: active.moduleID),
                  "\(record.name)@\(record.version)" == module else {
                return "not the active version; nothing to roll back"
            }
            let install = try lifecycle.rollback(name, actor: actor)
            let now = try store.module(id: install.moduleID).map { "\($0.name)@\($0.version)" } ?? install.moduleID
            return "rolled back to \(now) (signed ledger entry)"
        } catch let error as NexusError {
            return "kept installed (\(error.message)); passed over while the trace is demoted"
        } catch {
            return "kept installed (\(error)); passed over while the trace is demoted"
        }
    }
}
