import NexusCore
import NexusStore

/// What makes a replay sound: a trace's program may be run for a new task only when every value
/// it took from the old task is re-derived from the new one, and every value it states is backed
/// by the new run's own tool results.
///
/// Checked before the run (`refusal(of:)`): the binding is total, every parameter that changed is
/// used, and no call or answer still carries a literal of the old task that the new task lacks.
/// Checked during the replay (`unbacked(_:results:)`): a literal the old run had seen in its tool
/// results (a count, a word of a file) is stated again only if the new results show it too.
struct ReplayCheck: Sendable {
    let binding: TaskBinding
    /// Words of the old run's tool results that its task did not have.
    let observedWords: Set<String>
    /// The same, result by result (one per successful call of the old run, in order).
    let observedByCall: [Set<String>]
    /// The stale literals the old run passed to its tools (and the old task's parameters): what
    /// a guided run must not use. Other words of the old task ("what", "is") are only wording.
    let guarded: [String]

    /// Of those, the words its answer stated (intro2's first word): a guided answer that states
    /// one its own results do not show copied it.
    let statedWords: Set<String>

    init(binding: TaskBinding, oldResults: [String], oldArguments: [String] = [], oldAnswer: String = "") {
        self.binding = binding
        let taskWords = Set(LiteralScan.tokens(of: binding.oldTask))
        observedByCall = oldResults.map { Set(LiteralScan.tokens(of: $0)).subtracting(taskWords) }
        observedWords = observedByCall.reduce(into: Set<String>()) { $0.formUnion($1) }
        statedWords = observedWords.intersection(LiteralScan.tokens(of: oldAnswer))
        let calls = LiteralScan(oldArguments.joined(separator: "\u{0}"))
        let parameters = Set(binding.oldParameters.map(\.value))
        guarded = binding.staleLiterals.filter { parameters.contains($0) || calls.contains($0) }
    }

    /// The first guarded literal `text` carries, or nil.
    func guardedLiteral(in text: String) -> String? {
        let scan = LiteralScan(text)
        return guarded.first { scan.contains($0) }
    }

    /// Why `program` must not be replayed for the new task, or nil when it may be.
    func refusal(of program: TraceProgram) -> String? {
        if let partial = partialBinding { return partial }
        let used = program.usedParameters
        for index in binding.changedParameters where !used.contains(index) {
            return "parameter \(index + 1) changed ('\(binding.oldParameters[index].value)' → '\(binding.newParameters[index].value)') but the trace's calls and answer do not use it, so a replay would ignore it"
        }
        for index in binding.changedParameters where !program.passesAsValue(index, oldValues: binding.oldParameters.map(\.value)) {
            return "parameter \(index + 1) changed ('\(binding.oldParameters[index].value)' → '\(binding.newParameters[index].value)') but no call passes it as a value: the trace's code only names it in words or identifiers, so its right answer may not have come from it"
        }
        for (index, step) in program.steps.enumerated() {
            if let stale = binding.staleLiteral(in: step.arguments.literalText) {
                return "step \(index + 1) (\(step.tool)) still carries '\(stale)' from that task, which this task lacks"
            }
        }
        if let stale = binding.staleLiteral(in: program.answer.literalText) {
            return "its answer still carries '\(stale)' from that task, which this task lacks"
        }
        return nil
    }

    /// Why the binding is not total, or nil when it is.
    var partialBinding: String? {
        guard !binding.isTotal else { return nil }
        let words = binding.unboundWords.prefix(3).map { "'\($0)'" }.joined(separator: ", ")
        return "the tasks differ in \(words.isEmpty ? "their wording" : words), which \(binding.unboundWords.count == 1 ? "is not a parameter" : "are not parameters")"
    }

    /// Why a compiled module must not run for the new task, or nil when it may: its code still
    /// carries a literal of the old task, or never reads a parameter that changed.
    func refusal(ofModuleCode code: String, parameterNames: [String]) -> String? {
        if let partial = partialBinding { return partial }
        let strings = LuaStrings.literals(in: code).joined(separator: "\u{0}")
        if let stale = binding.staleLiteral(in: strings) {
            return "its code still carries '\(stale)' from the task it was compiled from, which this task lacks"
        }
        for index in binding.changedParameters where index < parameterNames.count && !code.contains("input.\(parameterNames[index])") {
            return "parameter \(index + 1) changed but its code never reads \(parameterNames[index])"
        }
        return nil
    }

    /// The first word of `literalText` (the literal parts of a call or answer about to be
    /// replayed) that the old run saw in its results and the new run's results do not show.
    /// `step` of `steps` places it in the program (nil: the answer, after every call): a call can
    /// only have copied what results before it showed, so the words a program's first call
    /// printed (its own output, "there are 3 files") are not held against the code that printed them.
    func unbacked(_ literalText: String, results: [String], step: Int? = nil, of steps: Int = 0) -> String? {
        var observed = observedWords
        if let step {
            // Program steps are old calls in order, some looks left out: step i was call i at the
            // earliest and, with every left-out call before it, call (calls - steps + i) at the latest.
            let latest = min(max(0, observedByCall.count - steps + step), observedByCall.count)
            observed = observedByCall[..<latest].reduce(into: Set<String>()) { $0.formUnion($1) }
        }
        let seen = Set(results.flatMap(LiteralScan.tokens(of:)))
        // Single letters ("a", "I") are words of any text, not values.
        return LiteralScan.tokens(of: literalText).first { ($0.count > 1 || $0.allSatisfy(\.isNumber)) && observed.contains($0) && !seen.contains($0) }
    }
}

extension TraceProgram {
    /// The parameters the calls or the answer use.
    var usedParameters: Set<Int> {
        var used = answer.parameters
        for step in steps { used.formUnion(step.arguments.textTemplates.reduce(into: Set<Int>()) { $0.formUnion($1.parameters) }) }
        return used
    }
}

extension TextTemplate {
    var parameters: Set<Int> {
        Set(pieces.compactMap { piece in
            switch piece {
            case .parameter(let index), .transformed(let index, _): index
            default: nil
            }
        })
    }

    /// The literal pieces, separated where a generated value stands (so no word spans two).
    var literalText: String {
        pieces.map { if case .literal(let text) = $0 { text } else { "\u{0}" } }.joined()
    }
}

extension ArgumentTemplate {
    /// Every text template, literal strings and numbers included as literal templates.
    var textTemplates: [TextTemplate] {
        switch self {
        case .literal(let value): return value.leafTexts.map { TextTemplate([.literal($0)]) }
        case .text(let template), .number(let template): return [template]
        case .array(let items): return items.flatMap(\.textTemplates)
        case .object(_, let values): return values.flatMap(\.textTemplates)
        }
    }

    var literalText: String { textTemplates.map(\.literalText).joined(separator: "\u{0}") }
}

extension JSONValue {
    /// The strings and numbers inside, as text.
    var leafTexts: [String] {
        switch self {
        case .string(let text): return [text]
        case .number(let number): return [Derivation.formatNumber(number)]
        case .bool, .null: return []
        case .array(let items): return items.flatMap(\.leafTexts)
        case .object(let object): return object.values.flatMap(\.leafTexts)
        }
    }
}

/// The string literals of Lua code (double-quoted, as `LuaCompiler` writes them), unescaped
/// enough to search: `\"`, `\\` and `\n` are undone; other escapes (`\ddd` bytes) stay as
/// written, so a non-ASCII value is not found in them.
enum LuaStrings {
    static func literals(in code: String) -> [String] {
        var found: [String] = []
        var current: String?
        var escaped = false
        var inComment = false
        var previous: Character = "\n"
        for character in code {
            defer { previous = character }
            if inComment {
                if character == "\n" { inComment = false }
                continue
            }
            guard var text = current else {
                if character == "-", previous == "-" { inComment = true } else if character == "\"" { current = "" }
                continue
            }
            if escaped {
                if character == "\"" || character == "\\" { text.append(character) } else if character == "n" { text.append("\n") }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                found.append(text)
                current = nil
                continue
            } else {
                text.append(character)
            }
            current = text
        }
        return found
    }
}
