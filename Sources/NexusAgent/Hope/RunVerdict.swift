import Foundation
import NexusCore
import NexusStore

/// Overrules a run's "success" when the run ended on an error: a final answer that is an error
/// ("ERROR: all.txt already exists ...", a tool's error text echoed), an answer that repeats what
/// the loop itself told the model, a guided answer that still states the old task's value, an
/// answer stating a value no tool returned (`AnswerGrounding`), a model's answer to a task that
/// asks for a change when nothing changed or for a file that does not exist, or a last tool call
/// that failed. The loop sends such an
/// answer back once (`AnswerCheck`); this verdict holds whatever the model said after that. HOPE
/// follows and crystallizes only successes, so such a trace is never replayed.
enum RunVerdict {
    /// The outcome to record instead of "success", and why; nil when success stands.
    static func overruling(task: String, answer: String, source: OutcomeSource, steps: [RunStep], state: RunState,
                           context: ToolContext? = nil) -> (outcome: RunOutcome, reason: String)? {
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
        if let said = loopWords(in: trimmed, state: state) {
            return (.failure, "its answer repeats what the loop told the model (\"\(said.prefix(80))\")")
        }
        if let values = state.oldTaskValues, let stale = LiteralScan(trimmed).firstOf(values.guarded) {
            return (.unknown, "its answer still states '\(stale)' from the task of the trace it was shown (\"\(values.task)\")")
        }
        if let unseen = AgentRunner.grounding(task: task, state: state).ungrounded(trimmed).first {
            return (.unknown, "its answer states '\(unseen)', which no tool result of the run shows")
        }
        // Replays and modules change the workspace without the model's calls; only the model's
        // own answer is held to the calls the run made and the files it left.
        if source == .model {
            let intent = TaskIntent(task)
            if intent.asksChange, !state.changedSomething {
                return (.unknown, "the task asks for a change and nothing in the workspace changed")
            }
            if let context, let missing = intent.missingPaths(of: task, context: context).first {
                return (.unknown, "the task asks to create \(missing), which does not exist")
            }
        }
        let calls = steps.filter { $0.tool != nil && ["ok", "error", "refused"].contains($0.status) }
        if let last = calls.last, last.status != "ok" {
            return (.unknown, "its last tool call (\(last.tool!)) failed")
        }
        return nil
    }
}

extension RunVerdict {
    /// The loop's message (anything it said after the task: a check's reason, a program's failure)
    /// that `answer` repeats, or that contains the answer: a small model told "the program did
    /// not do the task" answers with those words.
    static func loopWords(in answer: String, state: RunState) -> String? {
        // Compared as words: "The task asks to …." repeats "… when the task asks to …, ".
        let answer = collapsed(answer).trimmingCharacters(in: CharacterSet(charactersIn: ".!;:, "))
        guard answer.count >= shortestRepeat else { return nil }
        let said = state.messages.filter { $0.role == .user }.dropFirst().map { collapsed($0.content) }
        return said.first { said in
            said.contains(answer) || (said.count >= shortestRepeat && answer.contains(said))
        }
    }

    /// Shorter text ("Done.", "3 files") is what a right answer may well share with a message.
    static let shortestRepeat = 24

    private static func collapsed(_ text: String) -> String {
        text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}

extension LiteralScan {
    /// The first of `values` found as a whole word.
    func firstOf(_ values: [String]) -> String? {
        values.first(where: contains)
    }
}
