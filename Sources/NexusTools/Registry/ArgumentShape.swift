import NexusCore

/// A one-line picture of the arguments a schema wants, for a small model to copy:
/// `{"path": string, "offset"?: integer, "mode"?: "overwrite"|"append"|"create"}`.
enum ArgumentShape {
    static func describe(_ schema: JSONValue) -> String {
        describe(schema, depth: 0)
    }

    private static func describe(_ schema: JSONValue, depth: Int) -> String {
        guard let object = schema.objectValue else { return "any" }
        if let constant = object["const"] { return constant.jsonText }
        if case .array(let values) = object["enum"] { return values.map(\.jsonText).joined(separator: "|") }
        for keyword in ["anyOf", "oneOf"] {
            if case .array(let alternatives) = object[keyword] {
                return alternatives.map { describe($0, depth: depth + 1) }.joined(separator: " | ")
            }
        }
        let types: [String]
        switch object["type"] {
        case .string(let name): types = [name]
        case .array(let names): types = names.compactMap(\.stringValue)
        default: types = object["properties"] != nil ? ["object"] : []
        }
        if types.isEmpty { return "any" }
        return types.map { describe(type: $0, object, depth: depth) }.joined(separator: "|")
    }

    private static func describe(type: String, _ object: JSONObject, depth: Int) -> String {
        switch type {
        case "object":
            guard depth < 3 else { return "object" }
            let properties = object["properties"]?.objectValue ?? [:]
            let required = Set(object["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            var members = properties.map { name, property in
                "\(JSONValue.string(name).jsonText)\(required.contains(name) ? "" : "?"): \(describe(property, depth: depth + 1))"
            }
            if case .object = object["additionalProperties"] {
                members.append("string: \(describe(object["additionalProperties"]!, depth: depth + 1))")
            }
            return "{" + members.joined(separator: ", ") + "}"
        case "array":
            guard let items = object["items"] else { return "array" }
            return "[" + describe(items, depth: depth + 1) + ", ...]"
        default:
            return type
        }
    }
}
