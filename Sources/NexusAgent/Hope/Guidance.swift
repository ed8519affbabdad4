import Foundation
import NexusCore
import NexusStore

/// MIXED mode: a similar proven trace shown to the model with the task, so it can take the same
/// path instead of searching for one.
///
/// The trace is shown with the new task's values in place of the old task's (`TaskBinding`), and
/// never with the old run's observations: a value the old run took from a tool result is shown as
/// a hole to fill from this run's results (`<first number of the result of call 1>`), and an old
/// value that cannot be translated is shown as `<this task's value>`. A small model copies what it
/// is shown; it must not be shown intro2's first word when asked about letter.
enum Guidance {
    static func text(for trace: Trace, check: ReplayCheck?, database: NexusDatabase) throws -> String {
        let store = RunStore(database: database)
        let steps = try store.steps(runID: trace.runID)
        let answer = try store.run(id: trace.runID)?.answer ?? ""
        guard let program = TraceProgram.inferEveryCall(runID: trace.runID, task: trace.task, steps: steps, answer: answer) else { return "" }
        let view = GuidanceView(check: check ?? ReplayCheck(binding: TaskBinding(old: trace.task, new: trace.task), oldResults: []))
        var text = "\n\nA similar task (\"\(view.check.binding.substituted(trace.task))\") was done before with these tool calls, shown with this task's values"
            + " (a <...> value is to be taken from this run's own tool results):\n"
        for (index, step) in program.steps.prefix(8).enumerated() {
            text += "\(index + 1). \(step.tool) \(String(view.render(step.arguments).jsonText.prefix(200)))\n"
        }
        if !answer.isEmpty {
            text += "Its answer had this form: \(view.render(program.answer).prefix(200))\n"
        }
        return text + "Where this task asks the same, take the same steps with its own names and values, and state only what this run's tool results show; where it asks something else, do what it asks."
    }
}

/// Renders a trace's program for a new task.
struct GuidanceView {
    let check: ReplayCheck

    func render(_ template: TextTemplate) -> String {
        template.pieces.map { piece in
            switch piece {
            case .literal(let text): return literal(text)
            case .parameter(let index): return value(of: index) ?? "<this task's value>"
            case .transformed(let index, let transform): return value(of: index).flatMap(transform.apply(to:)) ?? "<this task's value>"
            case .derived(let step, let derivation):
                return "<\(derivation.rawValue.replacingOccurrences(of: "_", with: " ")) of the result of call \(step + 1)>"
            }
        }.joined()
    }

    func render(_ template: ArgumentTemplate) -> JSONValue {
        switch template {
        case .literal(let value): return literal(value)
        case .text(let text), .number(let text): return .string(render(text))
        case .array(let items): return .array(items.map(render))
        case .object(let keys, let values): return .object(JSONObject(zip(keys, values.map(render)).map { ($0, $1) }))
        }
    }

    /// The new task's value for the old task's parameter `index`: by position when the tasks
    /// have the same shape, else as the changed words translate it; nil when it cannot be told.
    private func value(of index: Int) -> String? {
        let binding = check.binding
        guard index < binding.oldParameters.count else { return nil }
        if binding.isTotal { return binding.newParameters[index].value }
        let translated = binding.substituted(binding.oldParameters[index].value)
        return check.guardedLiteral(in: translated) == nil ? translated : nil
    }

    /// Literal text with the old task's changed words translated, old values that cannot be
    /// translated and words the old run only saw in its results masked.
    private func literal(_ text: String) -> String {
        var result = check.binding.substituted(text)
        for stale in check.guarded where LiteralScan(result).contains(stale) {
            result = LiteralScan.replacingWholeWord(stale, with: "<this task's value>", in: result)
        }
        return LiteralScan.masking(check.observedWords, in: result)
    }

    private func literal(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(literal(text))
        case .number(let number):
            let masked = literal(Derivation.formatNumber(number))
            return masked == Derivation.formatNumber(number) ? value : .string(masked)
        case .array(let items): return .array(items.map(literal))
        case .object(let object): return .object(object.mapValues(literal))
        case .bool, .null: return value
        }
    }
}
