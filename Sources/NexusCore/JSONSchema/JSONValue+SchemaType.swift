/// How instances relate to the `type` names of JSON Schema.
extension JSONValue {
    /// Whether the value is of the JSON Schema type `name`; an `integer` is a number with no fractional part.
    func isOfType(_ name: String) -> Bool {
        switch (self, name) {
        case (.null, "null"), (.bool, "boolean"), (.string, "string"), (.array, "array"), (.object, "object"), (.number, "number"):
            true
        case (.number(let number), "integer"):
            number.isFinite && number.rounded() == number
        default:
            false
        }
    }

    /// The kind of value, for messages: "null", "a boolean", "a number", ...
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The value itself, briefly, for messages: `number 3`, `string "abc"`, `an object`.
    var briefDescription: String {
        switch self {
        case .null: return "null"
        case .bool(let flag): return "boolean \(flag)"
        case .number: return "number \(jsonText)"
        case .string(let text):
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return "string \(JSONValue.string(shown).jsonText)"
        case .array(let elements): return "an array of \(elements.count) item\(elements.count == 1 ? "" : "s")"
        case .object: return "an object"
        }
    }

    /// A type name with its article: "a string", "an integer", "null".
    static func describeType(_ name: String) -> String {
        switch name {
        case "null": "null"
        case "integer", "object", "array": "an \(name)"
        default: "a \(name)"
        }
    }
}
