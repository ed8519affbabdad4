import Foundation
public import NexusCore
public import NexusStore

extension TraceProgram {
    /// Generalizes a trace: every string it passed to a tool or answered is explained, where it
    /// can be, by the task's parameters (`TaskSignature.parameters`) and by values derived from
    /// earlier results; what cannot be explained stays literal. Only successful tool calls are
    /// kept: failed ones were dead ends.
    /// - Returns: nil when the run called no tool successfully (there is nothing to replay).
    /// - Parameter names: words of the task read as bare names (`NamesInUse`).
    public static func infer(runID: String, task: String, steps: [RunStep], answer: String, names: Set<String> = []) -> TraceProgram? {
        inferEveryCall(runID: runID, task: task, steps: steps, answer: answer, names: names)?.withoutUnusedLooks()
    }

    /// The program of every successful call, looks whose results nothing uses included.
    static func inferEveryCall(runID: String, task: String, steps: [RunStep], answer: String, names: Set<String> = []) -> TraceProgram? {
        let (signature, parameters) = TaskSignature.analyze(task, names: names)
        let calls = steps.filter(\.isSuccessfulCall)
        guard !calls.isEmpty else { return nil }
        var results: [String] = []
        var programSteps: [ProgramStep] = []
        var used: Set<TemplatePiece> = []
        for call in calls {
            let generalizer = Generalizer(parameters: parameters.map(\.value), results: results, used: used)
            let arguments = generalizer.template(for: call.arguments ?? .object([:]))
            programSteps.append(ProgramStep(tool: call.tool!, arguments: arguments))
            used.formUnion(arguments.derivedPieces)
            results.append(call.sourceText)
        }
        let answerTemplate = Generalizer(parameters: parameters.map(\.value), results: results, used: used).generalize(answer)
        return TraceProgram(sourceRunID: runID, signature: signature, parameterKinds: parameters.map(\.kind), steps: programSteps,
                            answer: answerTemplate)
    }

    /// The program without the looks (reads, listings, searches) whose results no later step and
    /// not the answer uses: a small model often reads a file on its way to the answer, and that
    /// file, named after the example's values, would not exist for the next task.
    func withoutUnusedLooks() -> TraceProgram {
        let kept = stepsKept
        guard kept.count < steps.count else { return self }
        let newIndex = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, $0) })
        var program = self
        program.steps = kept.map { ProgramStep(tool: steps[$0].tool, arguments: steps[$0].arguments.renumbered(newIndex)) }
        program.answer = answer.renumbered(newIndex)
        return program
    }

    /// The indices of the steps `withoutUnusedLooks` keeps.
    var stepsKept: [Int] {
        var used = answer.derivedSteps
        for step in steps { used.formUnion(step.arguments.derivedPieces.compactMap(\.step)) }
        return steps.indices.filter { used.contains($0) || !observingTools.contains(steps[$0].tool) }
    }
}

/// Built-in tools that only look.
let observingTools: Set<String> = ["filesystem_list", "filesystem_read", "filesystem_search", "memory_search"]

extension TemplatePiece {
    /// The step a derived value comes from.
    var step: Int? {
        if case .derived(let step, _) = self { step } else { nil }
    }

    func renumbered(_ newIndex: [Int: Int]) -> TemplatePiece {
        if case .derived(let step, let derivation) = self { return .derived(step: newIndex[step]!, derivation) }
        return self
    }
}

extension TextTemplate {
    var derivedSteps: Set<Int> { Set(pieces.compactMap(\.step)) }

    func renumbered(_ newIndex: [Int: Int]) -> TextTemplate {
        TextTemplate(pieces.map { $0.renumbered(newIndex) })
    }
}

/// Built-in tools whose result only confirms a change.
let confirmingTools: Set<String> = [
    "filesystem_write", "filesystem_replace", "filesystem_copy", "filesystem_move", "filesystem_delete", "filesystem_mkdir", "memory_store",
    "self_modify",
]

extension ArgumentTemplate {
    /// The template with its derived values' steps renumbered (every used step is in `newIndex`).
    func renumbered(_ newIndex: [Int: Int]) -> ArgumentTemplate {
        switch self {
        case .literal: return self
        case .text(let text): return .text(text.renumbered(newIndex))
        case .number(let text): return .number(text.renumbered(newIndex))
        case .array(let items): return .array(items.map { $0.renumbered(newIndex) })
        case .object(let keys, let values): return .object(keys: keys, values: values.map { $0.renumbered(newIndex) })
        }
    }

    /// The derived values the template uses.
    var derivedPieces: Set<TemplatePiece> {
        switch self {
        case .literal: return []
        case .text(let text), .number(let text): return Set(text.pieces.filter { if case .derived = $0 { true } else { false } })
        case .array(let items): return items.reduce(into: []) { $0.formUnion($1.derivedPieces) }
        case .object(_, let values): return values.reduce(into: []) { $0.formUnion($1.derivedPieces) }
        }
    }
}

extension TraceProgram {
    /// The program of a stored run, from its task, steps and answer.
    /// - Returns: nil when there is no such run or it made no successful tool call.
    /// - Throws: `NexusError(.databaseFailed)` when the run cannot be read.
    public static func infer(runID: String, database: NexusDatabase, names: Set<String> = []) throws -> TraceProgram? {
        let store = RunStore(database: database)
        guard let run = try store.run(id: runID) else { return nil }
        return infer(runID: runID, task: run.task, steps: try store.steps(runID: runID), answer: run.answer ?? "", names: names)
    }
}

extension RunStep {
    /// A tool call that succeeded: what a trace's program is made of.
    var isSuccessfulCall: Bool { tool != nil && status == "ok" }

    /// The call's result as later steps may draw values from it. What a change reports
    /// ("created count.txt (2 bytes)") is a receipt, not a source of values.
    var sourceText: String {
        confirmingTools.contains(tool ?? "") ? "" : result ?? resultExcerpt ?? ""
    }
}

/// Explains values by parameters and earlier results.
struct Generalizer {
    let parameters: [String]
    let results: [String]
    /// Derived values earlier steps used: the same value met again is most likely the same thing.
    var used: Set<TemplatePiece> = []
    /// Whether parts of parameters (`ParameterTransform`: a stem, an extension, ...) explain
    /// text too. Off for a single run, where "notes" in a sentence is as likely a word as the
    /// stem of notes.txt; on where other runs check the explanation (`ExampleGeneralizer`).
    var usesParameterParts = false

    func template(for value: JSONValue) -> ArgumentTemplate {
        switch value {
        case .string(let text):
            let template = generalize(text)
            return template.isLiteral ? .literal(value) : .text(template)
        case .number(let number):
            if let index = parameters.firstIndex(where: { Double($0) == number }) { return .number(TextTemplate([.parameter(index)])) }
            for (step, derivation, derived) in derivedValues() where derivation.isNumeric && Double(derived) == number {
                return .number(TextTemplate([.derived(step: step, derivation)]))
            }
            return .literal(value)
        case .array(let items):
            return .array(items.map(template(for:)))
        case .object(let object):
            return .object(keys: object.keys, values: object.values.map(template(for:)))
        case .null, .bool:
            return .literal(value)
        }
    }

    /// A string as a template: the whole of it a parameter or derived value if it is one,
    /// otherwise the parameters and derived values found inside it, longest first.
    func generalize(_ text: String) -> TextTemplate {
        if let index = parameters.firstIndex(of: text) { return TextTemplate([.parameter(index)]) }
        let values = derivedValues()
        let isUsed = { (value: (Int, Derivation, String)) in used.contains(.derived(step: value.0, value.1)) }
        for (step, derivation, derived) in values.filter(isUsed) + values.filter({ !isUsed($0) }) {
            if derived == text { return TextTemplate([.derived(step: step, derivation)]) }
            if derived + "\n" == text { return TextTemplate([.derived(step: step, derivation), .literal("\n")]) }
        }
        var spans: [(range: Range<String.Index>, piece: TemplatePiece, rank: Int, order: Int)] = []
        for (index, value) in parameters.enumerated() where !value.isEmpty {
            spans += occurrences(of: value, in: text, wholeWord: Self.needsWholeWord(value)).map { ($0, .parameter(index), 0, index) }
        }
        for (order, (piece, part)) in parameterParts().enumerated() {
            spans += occurrences(of: part, in: text, wholeWord: Self.needsWholeWord(part)).map { ($0, piece, 0, parameters.count + order) }
        }
        for (order, (step, derivation, derived)) in derivedValues().enumerated() where derived.count <= text.count {
            let piece = TemplatePiece.derived(step: step, derivation)
            spans += occurrences(of: derived, in: text, wholeWord: derivation.isNumeric || Self.needsWholeWord(derived))
                .map { ($0, piece, 1 + (used.contains(piece) ? 0 : 1), order) }
        }
        // Parameters, then derived values used before, then others; longer spans first, then
        // the preferred derivation (`derivedValues` order); a span never overlaps a chosen one.
        spans.sort { a, b in
            if a.rank != b.rank { return a.rank < b.rank }
            let lengthA = text.distance(from: a.range.lowerBound, to: a.range.upperBound)
            let lengthB = text.distance(from: b.range.lowerBound, to: b.range.upperBound)
            if lengthA != lengthB { return lengthA > lengthB }
            if a.order != b.order { return a.order < b.order }
            return a.range.lowerBound < b.range.lowerBound
        }
        var chosen: [(range: Range<String.Index>, piece: TemplatePiece)] = []
        for span in spans where !chosen.contains(where: { $0.range.overlaps(span.range) }) {
            chosen.append((span.range, span.piece))
        }
        chosen.sort { $0.range.lowerBound < $1.range.lowerBound }
        var pieces: [TemplatePiece] = []
        var position = text.startIndex
        for (range, piece) in chosen {
            pieces.append(.literal(String(text[position..<range.lowerBound])))
            pieces.append(piece)
            position = range.upperBound
        }
        pieces.append(.literal(String(text[position...])))
        return TextTemplate(pieces)
    }

    /// The parts of the parameters that differ from the whole, when parts are used.
    private func parameterParts() -> [(TemplatePiece, String)] {
        guard usesParameterParts else { return [] }
        return parameters.enumerated().flatMap { index, value in
            ParameterTransform.allCases.compactMap { transform in
                transform.apply(to: value).flatMap { $0 == value ? nil : (TemplatePiece.transformed(parameter: index, transform), $0) }
            }
        }
    }

    /// Every derived value of every earlier result, the latest results first.
    private func derivedValues() -> [(Int, Derivation, String)] {
        results.indices.reversed().flatMap { step in
            Derivation.allCases.compactMap { derivation in derivation.apply(to: results[step]).map { (step, derivation, $0) } }
        }
    }

    /// Short values and numbers are only taken as whole words: "3" is not the 3 inside "137".
    private static func needsWholeWord(_ value: String) -> Bool {
        value.count < 3 || value.allSatisfy { $0.isNumber || $0 == "." || $0 == "-" }
    }

    private func occurrences(of value: String, in text: String, wholeWord: Bool) -> [Range<String.Index>] {
        var found: [Range<String.Index>] = []
        var searchStart = text.startIndex
        while searchStart < text.endIndex, let range = text.range(of: value, range: searchStart..<text.endIndex) {
            let before = range.lowerBound > text.startIndex ? text[text.index(before: range.lowerBound)] : " "
            let after = range.upperBound < text.endIndex ? text[range.upperBound] : " "
            if !wholeWord || (!Self.isWordCharacter(before) && !Self.isWordCharacter(after)) {
                found.append(range)
            }
            searchStart = text.index(after: range.lowerBound)
        }
        return found
    }

    private static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_"
    }
}
