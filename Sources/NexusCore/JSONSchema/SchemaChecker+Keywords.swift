import Foundation

/// The value rules of each keyword, and the `$ref` and `allOf` rules of the converter.
extension SchemaChecker {
    // MARK: - References and combinators

    /// A `$ref` to `#/...`, resolved the way the converter does: split on `/`, no unescaping.
    mutating func checkReference(_ value: JSONValue, at path: JSONPath) throws {
        guard case .string(let reference) = value else {
            throw Self.invalid("'$ref' at \(path) must be a string")
        }
        guard reference != "#" else {
            throw Self.unsupported("$ref", at: path, "'#' (the whole document) is not supported by the grammar converter; move the recursive schema into $defs and refer to it as '#/$defs/name'")
        }
        guard reference.hasPrefix("#/") else {
            throw Self.unsupported("$ref", at: path, "only references into the same document, like '#/$defs/name', are supported, not '\(reference)'")
        }
        let tokens = reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if tokens.contains(where: { $0.contains("~") }) {
            throw Self.unsupported("$ref", at: path, "the grammar converter does not decode JSON-pointer escapes such as ~0 and ~1 (in '\(reference)'); rename the definition so its name has no '/' or '~'")
        }
        var target = root
        var targetPath = JSONPath.root
        for token in tokens {
            if case .object(let members) = target, let member = members[token] {
                target = member
                targetPath = targetPath.appending(token)
            } else if case .array(let elements) = target, !token.isEmpty, token.allSatisfy({ $0.isASCII && $0.isNumber }),
                      let position = Int(token), position < elements.count {
                target = elements[position]
                targetPath = targetPath.appending(position)
            } else {
                throw Self.invalid("the $ref '\(reference)' at \(path) does not resolve: \(targetPath) has no '\(token)'")
            }
        }
        compiled.references[reference] = target
        referencePaths[reference] = targetPath
        sameInstance[path, default: []].append(targetPath)
        try check(target, at: targetPath)
    }

    /// The array of `anyOf`, `oneOf` or `allOf`.
    mutating func checkSubschemas(_ value: JSONValue, _ keyword: String, at path: JSONPath) throws {
        guard case .array(let subschemas) = value, !subschemas.isEmpty else {
            throw Self.invalid("'\(keyword)' at \(path) must be a non-empty array of schemas")
        }
        for (position, subschema) in subschemas.enumerated() {
            let subschemaPath = path.appending(keyword).appending(position)
            sameInstance[path, default: []].append(subschemaPath)
            try check(subschema, at: subschemaPath)
        }
    }

    /// `allOf` as `_visit_all_of` converts it: the properties of object subschemas merge into one object
    /// (each one required, no others allowed), enums intersect, and anything else is dropped. So every
    /// subschema must be an object with properties, or every one an enum.
    mutating func checkAllOf(_ value: JSONValue, type: String?, at path: JSONPath) throws {
        try checkSubschemas(value, "allOf", at: path)
        guard case .array(let subschemas) = value else { return }
        var objects: [(path: JSONPath, schema: JSONObject)] = []
        var enums: [[JSONValue]] = []
        for (position, subschema) in subschemas.enumerated() {
            let (resolvedPath, resolved) = try resolve(subschema, at: path.appending("allOf").appending(position))
            switch Self.shape(of: resolved) {
            case .object: objects.append((resolvedPath, resolved))
            case .enumeration: enums.append(resolved["enum"]?.arrayValue ?? [])
            case let shape:
                throw Self.unsupported("allOf", at: path, "the grammar converter merges only object schemas with 'properties', or intersects only enums, and drops the subschema at \(resolvedPath), which is \(Self.describeInAllOf(shape)); use one kind throughout")
            }
        }
        if !objects.isEmpty && !enums.isEmpty {
            throw Self.unsupported("allOf", at: path, "it mixes object schemas and enums, and the grammar converter then drops the enums; use one kind throughout")
        }
        if type == "string" && !objects.isEmpty {
            throw Self.unsupported("allOf", at: path, "in a \"type\": \"string\" schema the grammar converter would merge its object subschemas into an object; use enums of strings")
        }
        if type == "object" && !enums.isEmpty {
            throw Self.unsupported("allOf", at: path, "in a \"type\": \"object\" schema it must combine object schemas, but it has enums")
        }
        var declaredAt: [String: JSONPath] = [:]
        for (objectPath, object) in objects {
            if let additional = object["additionalProperties"], additional != .bool(true) {
                throw Self.unsupported("additionalProperties", at: objectPath, "inside allOf the grammar converter ignores it (the merged object allows no other properties), and it would reject the other subschemas' properties; remove it")
            }
            for name in (object["properties"]?.objectValue ?? [:]).keys.sorted() {
                if let earlier = declaredAt.updateValue(objectPath, forKey: name) {
                    throw Self.unsupported("allOf", at: path, "the property '\(name)' is declared both at \(earlier) and at \(objectPath), which the grammar converter cannot merge; declare it once")
                }
            }
        }
        if let first = enums.first {
            let common = first.filter { value in enums.allSatisfy { $0.contains(value) } }
            if common.isEmpty {
                throw Self.invalid("the enums in 'allOf' at \(path) have no value in common, so no value could match")
            }
            if let type, let stray = common.first(where: { !$0.isOfType(type) }) {
                throw Self.invalid("the value \(stray.jsonText) shared by the enums in 'allOf' at \(path) is not of \"type\": \"\(type)\"")
            }
        }
    }

    /// Follows `$ref`s to the schema object they end at.
    private func resolve(_ value: JSONValue, at path: JSONPath) throws -> (JSONPath, JSONObject) {
        var current = (path: path, value: value)
        var seen: Set<String> = []
        while case .object(let schema) = current.value, case .string(let reference) = schema["$ref"] {
            guard seen.insert(reference).inserted, let target = compiled.references[reference], let targetPath = referencePaths[reference] else {
                throw Self.invalid("the $ref '\(reference)' at \(current.path) leads back to itself without reaching a schema")
            }
            current = (targetPath, target)
        }
        return (current.path, current.value.objectValue ?? [:])
    }

    private static func describeInAllOf(_ shape: Shape) -> String {
        switch shape {
        case .alternatives: "an anyOf/oneOf or a \"type\" array"
        case .constant: "a const (write it as a one-value enum)"
        case .allOf: "another allOf (flatten it)"
        case .any: "a schema without 'properties'"
        case .array: "an array schema"
        case .string: "a string schema"
        case .integer: "an integer schema"
        case .number: "a number schema"
        case .boolean: "a boolean schema"
        default: "a null schema"
        }
    }

    /// Reports a cycle of `$ref`/`anyOf`/`oneOf`/`allOf` that never descends into the instance: the
    /// grammar would be left-recursive and validation would never end.
    func rejectLoops() throws {
        // The longest chain below each finished node, so a chain is measured whole however it is entered.
        var chainBelow: [JSONPath: Int] = [:]
        var trail: [JSONPath] = []
        func visit(_ node: JSONPath) throws {
            if let below = chainBelow[node] {
                try rejectLongChain(trail.count + below, at: node)
                return
            }
            if let start = trail.firstIndex(of: node) {
                let loop = (trail[start...] + [node]).map(\.description).joined(separator: " -> ")
                throw Self.invalid("the schema at \(node) loops back to itself (\(loop)) through $ref, anyOf, oneOf or allOf without descending into a property or an item, so no grammar or check could ever finish; break the loop")
            }
            // Checked before recursing, so this walk's own depth is bounded too.
            try rejectLongChain(trail.count + 1, at: node)
            trail.append(node)
            var longest = 0
            for next in sameInstance[node] ?? [] {
                try visit(next)
                longest = max(longest, chainBelow[next] ?? 0)
            }
            trail.removeLast()
            chainBelow[node] = longest + 1
        }
        func rejectLongChain(_ length: Int, at node: JSONPath) throws {
            guard length <= Self.maximumSameInstanceChain else {
                throw Self.invalid("the schema at \(node) is reached through a chain of more than \(Self.maximumSameInstanceChain) $ref, anyOf, oneOf or allOf that never descends into a property or an item; shorten it")
            }
        }
        for node in sameInstance.keys.sorted(by: { $0.description < $1.description }) {
            try visit(node)
        }
    }

    // MARK: - Type families

    mutating func checkObject(_ schema: JSONObject, at path: JSONPath) throws {
        var declared: Set<String> = []
        if let properties = schema["properties"] {
            guard case .object(let properties) = properties else {
                throw Self.invalid("'properties' at \(path) must be an object mapping property names to schemas")
            }
            if properties[""] != nil {
                // llama.cpp names rules after properties; an empty name collides with the root rule.
                throw Self.unsupported("properties", at: path, "a property with an empty name breaks the grammar converter; give it a name")
            }
            for name in properties.keys {
                try check(properties[name]!, at: path.appending("properties").appending(name))
            }
            declared = Set(properties.keys)
        }
        if let required = schema["required"] {
            guard case .array(let names) = required, names.allSatisfy({ $0.stringValue != nil }) else {
                throw Self.invalid("'required' at \(path) must be an array of property names (strings)")
            }
            if let missing = names.compactMap(\.stringValue).first(where: { !declared.contains($0) }) {
                throw Self.unsupported("required", at: path, "it lists '\(missing)', which is not in 'properties', and the grammar converter only requires declared properties; add \"\(missing)\" to 'properties'")
            }
        }
        switch schema["additionalProperties"] {
        case nil, .bool?: break
        case .object?: try check(schema["additionalProperties"]!, at: path.appending("additionalProperties"))
        default: throw Self.invalid("'additionalProperties' at \(path) must be a boolean or a schema")
        }
    }

    mutating func checkArray(_ schema: JSONObject, at path: JSONPath) throws {
        if let items = schema["items"] {
            if case .array = items {
                throw Self.unsupported("items", at: path, "an array of schemas (the old tuple form) is not supported; use 'prefixItems' for a tuple")
            }
            if schema["prefixItems"] != nil {
                throw Self.unsupported("prefixItems", at: path, "the grammar converter uses 'items' and ignores 'prefixItems' when both are present; remove one of them")
            }
            try check(items, at: path.appending("items"))
        }
        if let prefixItems = schema["prefixItems"] {
            guard case .array(let prefixItems) = prefixItems else {
                throw Self.invalid("'prefixItems' at \(path) must be an array of schemas")
            }
            for keyword in ["maxItems", "minItems"] where schema[keyword] != nil {
                throw Self.unsupported(keyword, at: path, "the grammar converter ignores it beside 'prefixItems' (its tuple holds exactly one item per entry); remove it")
            }
            for (position, item) in prefixItems.enumerated() {
                try check(item, at: path.appending("prefixItems").appending(position))
            }
        }
        try Self.checkCounts("minItems", "maxItems", in: schema, at: path, noun: "array")
    }

    mutating func checkString(_ schema: JSONObject, at path: JSONPath) throws {
        if let pattern = schema["pattern"] {
            for keyword in ["format", "maxLength", "minLength"] where schema[keyword] != nil {
                throw Self.unsupported(keyword, at: path, "the grammar converter ignores '\(keyword)' when 'pattern' is present; remove one of them (a pattern can bound the length itself, e.g. ^.{1,20}$)")
            }
            guard case .string(let pattern) = pattern else {
                throw Self.invalid("'pattern' at \(path) must be a string")
            }
            compiled.patterns[pattern] = try Self.compile(pattern, at: path)
        }
        if schema["format"] != nil {
            for keyword in ["maxLength", "minLength"] where schema[keyword] != nil {
                throw Self.unsupported(keyword, at: path, "the grammar converter ignores '\(keyword)' when 'format' is present; remove it")
            }
        }
        try Self.checkCounts("minLength", "maxLength", in: schema, at: path, noun: "string")
    }

    private static func compile(_ pattern: String, at path: JSONPath) throws -> NSRegularExpression {
        let quoted = JSONValue.string(pattern).jsonText
        let expression: String
        do throws(GrammarPattern.Issue) {
            expression = try GrammarPattern.icuExpression(for: pattern)
        } catch {
            switch error {
            case .unsupported(let reason):
                throw NexusError(.unsupportedSchema, "the JSON Schema keyword 'pattern' at \(path) is not supported with the value \(quoted): \(reason)")
            case .invalid(let reason):
                throw invalid("the 'pattern' \(quoted) at \(path) is not a valid regular expression: \(reason)")
            }
        }
        do {
            return try NSRegularExpression(pattern: expression)
        } catch {
            throw invalid("the 'pattern' \(quoted) at \(path) is not a valid regular expression")
        }
    }

    /// Bounds of `"type": "integer"`. Only one of `minimum`/`exclusiveMinimum` is read (and of the
    /// maximums); fractional bounds round inwards, as in the converter.
    static func checkIntegerBounds(_ schema: JSONObject, at path: JSONPath) throws {
        for (inclusive, exclusive) in [("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")]
        where schema[inclusive] != nil && schema[exclusive] != nil {
            throw unsupported(exclusive, at: path, "the grammar converter ignores '\(exclusive)' when '\(inclusive)' is present; keep one of them")
        }
        var lowest: Double?
        var highest: Double?
        if let minimum = try bound("minimum", in: schema, at: path) { lowest = minimum.rounded(.up) }
        if let minimum = try bound("exclusiveMinimum", in: schema, at: path) { lowest = minimum.rounded(.down) + 1 }
        if let maximum = try bound("maximum", in: schema, at: path) { highest = maximum.rounded(.down) }
        if let maximum = try bound("exclusiveMaximum", in: schema, at: path) { highest = maximum.rounded(.up) - 1 }
        if let lowest, let highest, lowest > highest {
            throw invalid("no integer at \(path) satisfies both its lower and its upper bound; correct 'minimum'/'maximum'")
        }
    }

    private static func bound(_ keyword: String, in schema: JSONObject, at path: JSONPath) throws -> Double? {
        guard let value = schema[keyword] else { return nil }
        let limit = 9_007_199_254_740_992.0  // 2^53: beyond it a JSON number is not an exact integer
        guard case .number(let bound) = value, bound.isFinite, abs(bound) <= limit else {
            let hint = value.boolValue != nil ? " (the draft-4 boolean form is not supported)" : ""
            throw invalid("'\(keyword)' at \(path) must be a number between -2^53 and 2^53\(hint)")
        }
        return bound
    }

    /// `minItems`/`maxItems` or `minLength`/`maxLength`: integers from 0 to `Int32.max` (the converter's `int`).
    private static func checkCounts(_ lower: String, _ upper: String, in schema: JSONObject, at path: JSONPath, noun: String) throws {
        var counts: [Int] = []
        for keyword in [lower, upper] {
            guard let value = schema[keyword] else { continue }
            guard case .number(let count) = value, count >= 0, count.rounded() == count, count <= Double(Int32.max) else {
                throw invalid("'\(keyword)' at \(path) must be a non-negative integer, not \(value.jsonText)")
            }
            counts.append(Int(count))
        }
        if counts.count == 2 && counts[0] > counts[1] {
            throw invalid("'\(lower)' (\(counts[0])) at \(path) is greater than '\(upper)' (\(counts[1])), so no \(noun) could match")
        }
    }

    // MARK: - Keyword values

    static func types(_ value: JSONValue?, at path: JSONPath) throws -> [String]? {
        guard let value else { return nil }
        let entries: [JSONValue]
        switch value {
        case .string: entries = [value]
        case .array(let array) where !array.isEmpty: entries = array
        default: throw invalid("'type' at \(path) must be a type name or a non-empty array of type names")
        }
        var names: [String] = []
        for entry in entries {
            guard case .string(let name) = entry else {
                throw invalid("'type' at \(path) must be a type name or a non-empty array of type names")
            }
            guard SchemaKeyword.typeNames.contains(name) else {
                throw invalid("'type' at \(path) names the unknown type '\(name)'; use \(SchemaKeyword.typeNames.sorted().joined(separator: ", "))")
            }
            guard !names.contains(name) else {
                throw invalid("'type' at \(path) lists '\(name)' twice")
            }
            names.append(name)
        }
        return names
    }

    static func checkValue(_ value: JSONValue, of keyword: String, matches types: [String]?, at path: JSONPath) throws {
        if let types, !types.contains(where: value.isOfType) {
            throw invalid("the '\(keyword)' value \(value.jsonText) at \(path) is not of \"type\" \(types.joined(separator: " or ")), so no value could match")
        }
    }

    static func checkEnum(_ value: JSONValue, matches types: [String]?, at path: JSONPath) throws {
        guard case .array(let values) = value, !values.isEmpty else {
            throw invalid("'enum' at \(path) must be a non-empty array")
        }
        for (position, value) in values.enumerated() {
            if values[..<position].contains(value) {
                throw invalid("'enum' at \(path) lists \(value.jsonText) twice")
            }
            try checkValue(value, of: "enum", matches: types, at: path)
        }
    }

    static func checkNullable(_ schema: JSONObject, at path: JSONPath) throws {
        guard let nullable = schema["nullable"] else { return }
        guard case .bool(let isNullable) = nullable else {
            throw invalid("'nullable' at \(path) must be true or false")
        }
        if isNullable {
            let type = schema["type"]?.stringValue ?? "string"
            throw unsupported("nullable", at: path, "the grammar converter ignores it and would never generate null; write \"type\": [\"\(type)\", \"null\"] (or anyOf with {\"type\": \"null\"}) instead")
        }
    }

    static func checkFormat(_ schema: JSONObject, at path: JSONPath) throws {
        guard let format = schema["format"] else { return }
        guard case .string(let name) = format else {
            throw invalid("'format' at \(path) must be a string")
        }
        if StringFormat(name: name) == nil {
            throw unsupported("format", at: path, "the grammar converter knows only the formats \(StringFormat.knownNames.joined(separator: ", ")) and ignores '\(name)'; remove it or use 'pattern'")
        }
    }
}
