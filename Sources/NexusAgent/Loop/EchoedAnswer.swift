import NexusCore

extension AgentRunner {
    /// An answer that is a tool result's own first line, alone or behind a few words ("1 file,
    /// 0 folders: todo.txt", "The final answer is: created full.txt (35 bytes)"), repeats an
    /// observation instead of answering: a small model copies the last thing it read. So is one
    /// that repeats what the loop told the model after the task ("The program did not do the
    /// task (see above). Fix it, …"). It is sent back once, and the next turn must answer in
    /// words (`TaskIntent.Unfinished.answersNext`).
    func echoedAnswer(_ text: String, state: RunState) -> TaskIntent.Unfinished? {
        guard !state.sentBack.contains("echo"), let answer = Self.firstLine(of: text) else { return nil }
        let results = state.messages.filter { $0.role == .tool }
        // The first user message is the task; the later ones are the loop's own.
        let instructions = state.messages.filter { $0.role == .user }.dropFirst()
        let echoed = (results + instructions).compactMap { Self.firstLine(of: $0.content) }.contains { said in
            said.count >= Self.shortestEcho && answer.contains(said) && answer.count <= said.count + Self.wordsAround
        }
        guard echoed else { return nil }
        return TaskIntent.Unfinished(check: "echo", message: "That repeats a tool's output or an instruction; it does not answer the task.", answersNext: true)
    }

    /// Shorter result lines ("ok", "3") are what a right answer may well say.
    static let shortestEcho = 12
    /// Characters an echo may carry besides the result line ("The final answer is: ").
    static let wordsAround = 30

    private static func firstLine(of text: String) -> String? {
        var line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        if line.hasPrefix("ERROR: ") { line.removeFirst("ERROR: ".count) }
        line = line.trimmingCharacters(in: .whitespaces)
        return line.isEmpty ? nil : line
    }
}
