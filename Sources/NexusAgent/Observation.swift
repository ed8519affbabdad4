import Foundation
import NexusCore

/// How a tool result is shown to the model and kept in the trace.
enum Observation {
    /// The text the model reads: refusals and errors are marked so a small model notices them.
    /// The task is restated after each result: a small model otherwise loses it and repeats calls.
    static func text(of result: ToolResult, task: String) -> String {
        let note = result.truncated ? "\n[output truncated]" : ""
        let body: String
        switch result.status {
        case .ok: body = result.content.isEmpty ? "(no output)" : result.content + note
        case .error: body = "ERROR: " + result.content + note
        case .refused: body = "REFUSED by the capability policy: " + result.content
        }
        return body + "\n\n(Task: \(task) If the results so far answer it or show it done, reply with the final answer, stating the result in a short sentence. Otherwise call the next tool.)"
    }
}
