public import Foundation
public import NexusCore
import NexusModules

/// What a user asks the toolsmith for: a description and examples of the module's input and
/// output. Some examples are held out: the model never sees them, and the module is accepted only
/// when it passes them too.
public struct ModuleSpecification: Sendable, Hashable {
    /// One case: the tool's arguments and the exact result.
    public struct Example: Sendable, Hashable {
        public var input: JSONObject
        public var output: JSONValue

        public init(input: JSONObject, output: JSONValue) {
            self.input = input
            self.output = output
        }

        var json: JSONValue { ["input": .object(input), "output": output] }
    }

    public var description: String
    public var name: String
    /// What the model sees (and what become the module's own tests).
    public var visible: [Example]
    /// What it never sees.
    public var heldOut: [Example]

    /// The most examples a build takes, and the longest description.
    public static let maxExamples = 40
    public static let maxDescription = 2000

    /// Splits `examples`: every fourth (at least one) is held out.
    /// - Parameter name: The module's name; nil derives one from the description.
    /// - Throws: `NexusError(.invalidArgument)` for an empty or overlong description, fewer than
    ///   two examples or more than ``maxExamples``, or a name that is not a module name.
    public init(description: String, examples: [Example], name: String? = nil) throws {
        let description = description.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !description.isEmpty else {
            throw NexusError(.invalidArgument, "the module's description is empty; say what the module does, in a sentence")
        }
        guard description.count <= Self.maxDescription else {
            throw NexusError(.invalidArgument, "the description has \(description.count) characters; say what the module does in at most \(Self.maxDescription)")
        }
        guard examples.count <= Self.maxExamples else {
            throw NexusError(.invalidArgument, "\(examples.count) examples are more than \(Self.maxExamples); each becomes a test run in the sandbox at every attempt, so give a representative few")
        }
        guard examples.count >= 2 else {
            throw NexusError(.invalidArgument,
                             "give at least 2 examples (--examples FILE): one is kept from the model to check that the module is general")
        }
        let name = name ?? Self.name(from: description)
        guard ModuleManifest.isValidName(name) else {
            throw NexusError(.invalidArgument, "'\(name)' is not a module name: a lowercase letter, then lowercase letters, digits or _ (at most 64)")
        }
        self.description = description
        self.name = name
        let held = Set(examples.count < 4 ? [examples.count - 1] : Array(stride(from: 3, to: examples.count, by: 4)))
        visible = examples.enumerated().filter { !held.contains($0.offset) }.map(\.element)
        heldOut = examples.enumerated().filter { held.contains($0.offset) }.map(\.element)
    }

    /// Reads examples: a JSON array of `{"input": {...}, "output": ...}`, or an object holding one under `examples`.
    /// - Throws: `NexusError(.invalidArgument)` naming the example that is malformed.
    public static func examples(from json: JSONValue) throws -> [Example] {
        guard let items = json.arrayValue ?? json["examples"]?.arrayValue else {
            throw NexusError(.invalidArgument, "the examples must be a JSON array of {\"input\": {...}, \"output\": ...} (or {\"examples\": [...]})")
        }
        return try items.enumerated().map { index, item in
            guard let input = item["input"]?.objectValue, let output = item["output"] else {
                throw NexusError(.invalidArgument, "example \(index + 1) needs \"input\" (a JSON object of arguments) and \"output\"")
            }
            return Example(input: input, output: output)
        }
    }

    /// The module's input schema, read off the examples: each argument typed when every example agrees.
    var inputSchema: JSONValue {
        let all = visible + heldOut
        var names: [String] = []
        for example in all { for key in example.input.keys where !names.contains(key) { names.append(key) } }
        var properties = JSONObject()
        for name in names {
            let types = Set(all.compactMap { $0.input[name] }.map(Self.jsonType))
            properties[name] = types.count == 1 ? ["type": .string(types.first!)]
                : types == ["integer", "number"] ? ["type": "number"] : .object([:])
        }
        let required = names.filter { name in all.allSatisfy { $0.input[name] != nil } }
        return ["type": "object", "properties": .object(properties), "required": .array(required.map(JSONValue.string))]
    }

    static func jsonType(_ value: JSONValue) -> String {
        switch value {
        case .string: "string"
        case .number(let number): number == number.rounded() && abs(number) < 1e15 ? "integer" : "number"
        case .bool: "boolean"
        case .array: "array"
        case .object: "object"
        case .null: "null"
        }
    }

    /// A name from the description's first words: "Sum the numbers in a CSV column" → `sum_numbers_csv_column`.
    static func name(from description: String) -> String {
        let skipped: Set<String> = ["a", "an", "the", "of", "in", "to", "and", "or", "for", "with", "from", "into", "on", "by", "each", "given", "all"]
        let words = description.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
            .filter { !skipped.contains($0) && $0.count > 1 && $0.allSatisfy(\.isASCII) }
        var name = ""
        for word in words.prefix(3) where name.count + word.count + 1 <= 48 { name += name.isEmpty ? word : "_" + word }
        if name.first.map({ !$0.isLetter }) ?? true { name = "module_" + name }
        return name.hasSuffix("_") ? String(name.dropLast()) : name
    }
}
