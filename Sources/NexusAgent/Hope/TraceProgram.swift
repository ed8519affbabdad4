public import NexusCore
public import NexusStore

/// A proven trace generalized into a program: its tool calls and its answer as templates over
/// the task's parameters and values derived from earlier results. A follower runs it step by
/// step; the crystallizer compiles it to Lua.
public struct TraceProgram: Sendable, Hashable {
    /// The trace it was made from.
    public var sourceRunID: String
    public var signature: String
    /// The kinds of the task parameters, in order (a new task must have the same).
    public var parameterKinds: [TaskParameter.Kind]
    public var steps: [ProgramStep]
    public var answer: TextTemplate

    public init(sourceRunID: String, signature: String, parameterKinds: [TaskParameter.Kind], steps: [ProgramStep], answer: TextTemplate) {
        self.sourceRunID = sourceRunID
        self.signature = signature
        self.parameterKinds = parameterKinds
        self.steps = steps
        self.answer = answer
    }

    /// The names of the parameters as a module's input: "path1", "number1", "path2", ...
    public var parameterNames: [String] { Self.parameterNames(for: parameterKinds) }

    /// Input names for parameters of these kinds, numbered per kind.
    public static func parameterNames(for kinds: [TaskParameter.Kind]) -> [String] {
        var seen: [TaskParameter.Kind: Int] = [:]
        return kinds.map { kind in
            seen[kind, default: 0] += 1
            return "\(kind.rawValue)\(seen[kind]!)"
        }
    }

    /// The tools the program calls, in first-use order.
    public var tools: [String] {
        var seen: Set<String> = []
        return steps.map(\.tool).filter { seen.insert($0).inserted }
    }
}

/// One tool call of a program.
public struct ProgramStep: Sendable, Hashable {
    public var tool: String
    public var arguments: ArgumentTemplate

    public init(tool: String, arguments: ArgumentTemplate) {
        self.tool = tool
        self.arguments = arguments
    }
}

/// A piece of generated text.
public enum TemplatePiece: Sendable, Hashable {
    case literal(String)
    /// The task parameter at this index.
    case parameter(Int)
    /// A part or form of the task parameter at this index.
    case transformed(parameter: Int, ParameterTransform)
    /// A value derived from the result of the step at this index.
    case derived(step: Int, Derivation)
}

/// Text made of literal pieces, parameters and derived values.
public struct TextTemplate: Sendable, Hashable {
    public var pieces: [TemplatePiece]

    public init(_ pieces: [TemplatePiece]) {
        // Adjacent literals are merged, so a template reads (and compiles) as few pieces.
        var merged: [TemplatePiece] = []
        for piece in pieces {
            if case .literal(let text) = piece, case .literal(let before)? = merged.last {
                merged[merged.count - 1] = .literal(before + text)
            } else if piece != .literal("") {
                merged.append(piece)
            }
        }
        self.pieces = merged
    }

    /// Whether the template is only literal text.
    public var isLiteral: Bool {
        pieces.allSatisfy { if case .literal = $0 { true } else { false } }
    }

    /// The text for these parameters and results.
    /// - Throws: `ProgramBindingError` when a derived value cannot be computed from its result.
    public func render(parameters: [String], results: [String]) throws -> String {
        try pieces.map { piece in
            switch piece {
            case .literal(let text): return text
            case .parameter(let index):
                guard index < parameters.count else { throw ProgramBindingError("the task has no parameter \(index + 1)") }
                return parameters[index]
            case .transformed(let index, let transform):
                guard index < parameters.count, let value = transform.apply(to: parameters[index]) else {
                    throw ProgramBindingError("the task's parameter \(index + 1) has no \(transform.rawValue)")
                }
                return value
            case .derived(let step, let derivation):
                guard step < results.count, let value = derivation.apply(to: results[step]) else {
                    throw ProgramBindingError("step \(step + 1)'s result has no \(derivation.rawValue.replacingOccurrences(of: "_", with: " "))")
                }
                return value
            }
        }.joined()
    }
}

/// A tool call's arguments as a template: JSON whose strings (and numbers) may be generated.
public indirect enum ArgumentTemplate: Sendable, Hashable {
    case literal(JSONValue)
    case text(TextTemplate)
    /// A number written from text (a numeric parameter or a count).
    case number(TextTemplate)
    case array([ArgumentTemplate])
    case object(keys: [String], values: [ArgumentTemplate])

    /// The arguments for these parameters and results.
    /// - Throws: `ProgramBindingError` when a value cannot be computed.
    public func bind(parameters: [String], results: [String]) throws -> JSONValue {
        switch self {
        case .literal(let value): return value
        case .text(let template): return .string(try template.render(parameters: parameters, results: results))
        case .number(let template):
            let text = try template.render(parameters: parameters, results: results)
            guard let number = Double(text) else { throw ProgramBindingError("'\(text)' is not a number") }
            return .number(number)
        case .array(let items): return .array(try items.map { try $0.bind(parameters: parameters, results: results) })
        case .object(let keys, let values):
            return .object(JSONObject(try zip(keys, values).map { ($0, try $1.bind(parameters: parameters, results: results)) }))
        }
    }
}

/// A program could not be applied to a new task.
public struct ProgramBindingError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension TextTemplate: CustomStringConvertible {
    /// The template with its holes named: `{path1}`, `{first_number of step 1}`.
    public var description: String {
        pieces.map { piece in
            switch piece {
            case .literal(let text): return text
            case .parameter(let index): return "{parameter \(index + 1)}"
            case .transformed(let index, let transform): return "{\(transform.rawValue) of parameter \(index + 1)}"
            case .derived(let step, let derivation): return "{\(derivation.rawValue) of step \(step + 1)}"
            }
        }.joined()
    }
}

extension ArgumentTemplate: CustomStringConvertible {
    public var description: String {
        switch self {
        case .literal(let value): return value.jsonText
        case .text(let text): return JSONValue.string(text.description).jsonText
        case .number(let text): return text.description
        case .array(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .object(let keys, let values):
            return "{" + zip(keys, values).map { JSONValue.string($0).jsonText + ": " + $1.description }.joined(separator: ", ") + "}"
        }
    }
}
