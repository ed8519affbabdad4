public import NexusCore
public import NexusStore

/// A recorded successful run of a program's task shape, lined up with the program's steps: its
/// parameters, what it passed to each step and what each step gave back. The crystallizer checks
/// a program against every such run, so a value one run could not explain is generalized from
/// all of them (`ExampleGeneralizer`).
struct ProgramExample: Sendable {
    var runID: String
    var parameters: [String]
    /// One per program step.
    var arguments: [JSONValue]
    /// One per program step (`RunStep.sourceText`).
    var results: [String]
    /// The run's final answer.
    var answer: String

    /// The run lined up with `program`, or nil when its parameters are of other kinds, it took
    /// other steps, or its arguments are shaped otherwise.
    init?(runID: String, task: String, steps: [RunStep], answer: String, program: TraceProgram, names: Set<String> = []) {
        let parameters = TaskSignature.parameters(of: task, names: names)
        guard parameters.map(\.kind) == program.parameterKinds else { return nil }
        var calls = steps.filter(\.isSuccessfulCall)
        if calls.map(\.tool) != program.steps.map(\.tool) {
            // The run may have looked at things no later step used, as the program leaves out.
            guard let everyCall = TraceProgram.inferEveryCall(runID: runID, task: task, steps: steps, answer: answer, names: names) else { return nil }
            calls = everyCall.stepsKept.map { calls[$0] }
            guard calls.map(\.tool) == program.steps.map(\.tool) else { return nil }
        }
        let arguments = calls.map { $0.arguments ?? .object([:]) }
        for (step, argument) in zip(program.steps, arguments) where argument.textLeaves(shapedLike: step.arguments) == nil {
            return nil
        }
        self.runID = runID
        self.parameters = parameters.map(\.value)
        self.arguments = arguments
        self.results = calls.map(\.sourceText)
        self.answer = answer
    }

    /// Whether `program` makes exactly this run's calls.
    func agrees(with program: TraceProgram) -> Bool {
        program.steps.indices.allSatisfy { index in
            (try? program.steps[index].arguments.bind(parameters: parameters, results: results)) == arguments[index]
        }
    }
}

extension ArgumentTemplate {
    /// The strings of the arguments, depth first, as templates (numbers and other values are not
    /// text leaves).
    var textLeaves: [TextTemplate] {
        switch self {
        case .literal(.string(let text)): return [TextTemplate([.literal(text)])]
        case .text(let template): return [template]
        case .literal, .number: return []
        case .array(let items): return items.flatMap(\.textLeaves)
        case .object(_, let values): return values.flatMap(\.textLeaves)
        }
    }

    /// The template with its text leaves replaced, in `textLeaves` order.
    func replacingTextLeaves(_ leaves: [TextTemplate]) -> ArgumentTemplate {
        var remaining = leaves[...]
        return replacingTextLeaves(&remaining)
    }

    private func replacingTextLeaves(_ remaining: inout ArraySlice<TextTemplate>) -> ArgumentTemplate {
        switch self {
        case .literal(.string), .text:
            let leaf = remaining.removeFirst()
            return leaf.isLiteral ? .literal(.string(leaf.pieces.map { if case .literal(let text) = $0 { text } else { "" } }.joined())) : .text(leaf)
        case .literal, .number: return self
        case .array(let items): return .array(items.map { $0.replacingTextLeaves(&remaining) })
        case .object(let keys, let values): return .object(keys: keys, values: values.map { $0.replacingTextLeaves(&remaining) })
        }
    }
}

extension JSONValue {
    /// The strings at the places of `template`'s text leaves, or nil when this value is shaped
    /// otherwise (another type, other keys, another length).
    func textLeaves(shapedLike template: ArgumentTemplate) -> [String]? {
        switch (template, self) {
        case (.literal(.string), .string(let text)), (.text, .string(let text)): return [text]
        case (.literal(.string), _), (.text, _): return nil
        case (.literal, _), (.number, _): return []
        case (.array(let items), .array(let values)):
            guard items.count == values.count else { return nil }
            var leaves: [String] = []
            for (item, value) in zip(items, values) {
                guard let found = value.textLeaves(shapedLike: item) else { return nil }
                leaves += found
            }
            return leaves
        case (.object(let keys, let templates), .object(let object)):
            guard Set(object.keys) == Set(keys) else { return nil }
            var leaves: [String] = []
            for (key, item) in zip(keys, templates) {
                guard let found = object[key]?.textLeaves(shapedLike: item) else { return nil }
                leaves += found
            }
            return leaves
        default: return nil
        }
    }
}
