import NexusCore
import NexusStore

/// Whether a program acts on its task's names, or only mentions them (`ReplayCheck`, `Crystallizer`).
extension TraceProgram {
    /// Whether a call passes parameter `index` (a path or name; other kinds always pass) as a
    /// value: any hole in a tool's arguments does; in code, only a hole inside a literal the code
    /// passes whole to a function or assigns (`NamesInUse.passedLiterals`). A program that
    /// counted the workspace's own entries and printed "There are 2 files in box3." names box3
    /// only in words: right once by chance, and replayed for box8 it would count the same
    /// entries again.
    func passesAsValue(_ index: Int, oldValues: [String]) -> Bool {
        guard index < parameterKinds.count, index < oldValues.count, [.path, .name].contains(parameterKinds[index]) else { return true }
        return steps.contains { step in
            guard step.arguments.textTemplates.contains(where: { $0.parameters.contains(index) }) else { return false }
            guard NamesInUse.codeTools.contains(step.tool) else { return true }
            return NamesInUse.wholeValues(of: step.arguments.sketch(parameters: oldValues)).contains(oldValues[index])
        }
    }
}

extension ArgumentTemplate {
    /// The arguments with these parameters in place and a NUL where a derived value would stand.
    func sketch(parameters: [String]) -> JSONValue {
        switch self {
        case .literal(let value): return value
        case .text(let template), .number(let template): return .string(template.sketch(parameters: parameters))
        case .array(let items): return .array(items.map { $0.sketch(parameters: parameters) })
        case .object(let keys, let values): return .object(JSONObject(zip(keys, values.map { $0.sketch(parameters: parameters) })))
        }
    }
}

extension TextTemplate {
    /// The text with these parameters in place and a NUL where a derived value would stand.
    func sketch(parameters: [String]) -> String {
        (try? TextTemplate(pieces.map { piece -> TemplatePiece in
            if case .derived = piece { return .literal("\u{0}") }
            return piece
        }).render(parameters: parameters, results: [])) ?? ""
    }
}
