import Foundation
import NexusStore

/// Overrules a run's "success" when the run ended on an error: a final answer that is an error
/// ("ERROR: all.txt already exists ...", a tool's error text echoed), a guided answer that still
/// states the old task's value, an answer stating a value no tool returned (`AnswerGrounding`),
/// or a last tool call that failed. HOPE follows and crystallizes
/// only successes, so such a trace is never replayed.
enum RunVerdict {
    /// The outcome to record instead of "success", and why; nil when success stands.
    static func overruling(task: String, answer: String, steps: [RunStep], state: RunState) -> (outcome: RunOutcome, reason: String)? {
        let trimmed = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        let opening = trimmed.prefix { $0.isLetter }.lowercased()
        // "Error: ..." or "ERROR ...", not "Error rate is 5 %" (a log task's answer).
        if ["error", "refused"].contains(opening),
           trimmed.dropFirst(opening.count).first == ":" || trimmed.hasPrefix("ERROR") || trimmed.hasPrefix("REFUSED") {
            return (.failure, "its answer is an error (\"\(trimmed.prefix(80))\")")
        }
        for step in steps where step.tool != nil && (step.status == "error" || step.status == "refused") {
            let error = (step.result ?? step.resultExcerpt ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            // An error long enough to be told from ordinary words, repeated as the answer.
            if error.count >= 24, trimmed.contains(String(error.prefix(48))) {
                return (.failure, "its answer repeats the error of \(step.tool!) (\"\(error.prefix(80))\")")
            }
        }
        if let values = state.oldTaskValues, let stale = LiteralScan(trimmed).firstOf(values.guarded) {
            return (.unknown, "its answer still states '\(stale)' from the task of the trace it was shown (\"\(values.task)\")")
        }
        if let unseen = AgentRunner.grounding(task: task, state: state).ungrounded(trimmed).first {
            return (.unknown, "its answer states '\(unseen)', which no tool result of the run shows")
        }
        let calls = steps.filter { $0.tool != nil && ["ok", "error", "refused"].contains($0.status) }
        if let last = calls.last, last.status != "ok" {
            return (.unknown, "its last tool call (\(last.tool!)) failed")
        }
        return nil
    }
}

extension LiteralScan {
    /// The first of `values` found as a whole word.
    func firstOf(_ values: [String]) -> String? {
        values.first(where: contains)
    }
}
