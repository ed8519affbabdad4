/// Rewrites OpenAPI's `"nullable": true` as `anyOf` with `{"type": "null"}`, the form llama.cpp's
/// grammar converter enforces, so nullable schemas constrain generation instead of being ignored.
enum NullableRewrite {
    /// Keywords whose value is a map of subschemas.
    private static let schemaMaps: Set<String> = ["properties", "$defs", "definitions"]
    /// Keywords whose value is a subschema or an array of subschemas.
    private static let schemaValues: Set<String> = ["items", "prefixItems", "anyOf", "oneOf", "allOf", "additionalProperties"]
    /// Keywords that live at the document root and must stay there for `$ref` to resolve.
    private static let rootOnly: Set<String> = ["$defs", "definitions", "$schema", "$id"]

    static func rewrite(_ schema: JSONValue, isRoot: Bool = true) -> JSONValue {
        guard case .object(var object) = schema else { return schema }
        for (key, value) in object {
            if schemaMaps.contains(key), case .object(let members) = value {
                object[key] = .object(members.mapValues { rewrite($0, isRoot: false) })
            } else if schemaValues.contains(key) {
                if case .array(let items) = value {
                    object[key] = .array(items.map { rewrite($0, isRoot: false) })
                } else {
                    object[key] = rewrite(value, isRoot: false)
                }
            }
        }
        guard object["nullable"] == .bool(true) else { return .object(object) }
        object["nullable"] = nil
        var wrapper: JSONObject = [:]
        if isRoot {
            for key in rootOnly where object[key] != nil {
                wrapper[key] = object[key]
                object[key] = nil
            }
        }
        wrapper["anyOf"] = [.object(object), ["type": "null"]]
        return .object(wrapper)
    }
}
