import NexusCore

extension AgentRunner {
    /// What the run has seen and done so far: its task, its tools' results and the arguments of
    /// the calls that succeeded.
    static func grounding(task: String, state: RunState) -> AnswerGrounding {
        let failed = Set(state.failedCalls)
        let results = state.messages.filter { $0.role == .tool }.map(\.content)
        let arguments = state.messages.flatMap(\.toolCalls).filter { !failed.contains($0.signature) }.flatMap(\.arguments.leafTexts)
        return AnswerGrounding(task: task, results: results, arguments: arguments)
    }

    /// An answer sent back once because it states values no tool returned (a count made up, a
    /// version guessed); the model is shown what it did observe.
    func ungroundedAnswer(_ text: String, task: String, state: RunState) -> TaskIntent.Unfinished? {
        guard !state.sentBack.contains("grounded") else { return nil }
        let unseen = Self.grounding(task: task, state: state).ungrounded(text)
        guard !unseen.isEmpty else { return nil }
        let named = unseen.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
        return TaskIntent.Unfinished(
            check: "grounded",
            message: "Not done yet: your answer states \(named), but no tool result in this run shows \(unseen.count == 1 ? "it" : "them"). "
                + "State only values the tools returned; to find or compute one (a count, a sum, a version), call a tool that prints it, then answer. (Task: \(task))")
    }
}
