import NexusCore
import NexusStore

/// MIXED mode: a similar proven trace shown to the model with the task, so it can take the same
/// path instead of searching for one.
enum Guidance {
    static func text(for trace: Trace, database: NexusDatabase) throws -> String {
        let store = RunStore(database: database)
        let calls = try store.steps(runID: trace.runID).filter(\.isSuccessfulCall)
        guard !calls.isEmpty else { return "" }
        var text = "\n\nA similar task (\"\(trace.task)\") was done before with these tool calls:\n"
        for (index, step) in calls.prefix(8).enumerated() {
            text += "\(index + 1). \(step.tool!) \(String((step.arguments ?? .object([:])).jsonText.prefix(200)))\n"
        }
        if let answer = try store.run(id: trace.runID)?.answer, !answer.isEmpty {
            text += "Its answer was: \(answer.prefix(200))\n"
        }
        return text + "Where this task asks the same, take the same steps with its own names and values; where it asks something else, do what it asks."
    }
}
