import NexusCore

/// A check a final answer must pass before the run ends: one that fails sends the answer back to
/// the model with what is missing, at most once per run (code that failed is asked for twice).
/// Each is a strategy of its own, so a task corpus can measure what it does:
/// `AgentConfiguration.answerChecks` holds those in force, and `nexus run --without-check NAME`
/// (or `bench/agent.sh -A`) leaves one out.
public enum AnswerCheck: String, Sendable, Hashable, CaseIterable, Codable {
    /// The task asks for arithmetic or a transformation of text and no code ran (`TaskIntent.needsCode`).
    case code
    /// A path the task asks to create does not exist.
    case missing
    /// The task asks for a change and nothing in the workspace changed.
    case change
    /// A guided run's answer states a value of the example task, not of its own results.
    case stale
    /// The answer states a number, name or path that no tool returned (`AnswerGrounding`).
    case grounded
    /// The answer repeats a tool result's first line instead of answering.
    case echo
}

extension AgentRunner {
    /// The first check in force that `answer` fails, in the order of `AnswerCheck.allCases`.
    func unfinished(_ answer: String, task: String, context: ToolContext, state: RunState) -> TaskIntent.Unfinished? {
        let intent = TaskIntent(task)
        for check in AnswerCheck.allCases where configuration.answerChecks.contains(check) {
            let verdict: TaskIntent.Unfinished?
            switch check {
            case .code: verdict = intent.codeNotRun(task: task, state: state)
            case .missing: verdict = intent.pathsMissing(task: task, context: context, state: state)
            case .change: verdict = intent.nothingChanged(task: task, state: state)
            case .stale: verdict = staleAnswer(answer, state: state)
            case .grounded: verdict = ungroundedAnswer(answer, task: task, state: state)
            case .echo: verdict = echoedAnswer(answer, state: state)
            }
            if let verdict { return verdict }
        }
        return nil
    }
}
