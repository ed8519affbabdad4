/// Checks a schema against the subset llama.cpp's JSON-schema-to-grammar converter enforces.
///
/// The converter first decides what each schema object becomes (`build_node` in
/// `common/json-schema.cpp`), in a fixed order: `$ref`, then `oneOf`/`anyOf`, then a `type` array
/// (one alternative per type), then `const`, then `enum`, then the `type` (or, without one, the first
/// keyword family present). Whatever that choice does not read, it drops. This mirrors the choice and
/// rejects every keyword that would be dropped, so grammar and validation always agree.
struct SchemaChecker {
    /// What the converter builds from a schema object (`common_chat_schema::node_kind`).
    enum Shape: Hashable {
        case reference, alternatives, constant, enumeration
        case object, allOf, array, string, integer, number, boolean, null, any
    }

    let root: JSONValue
    var compiled = CompiledSchema()
    /// Where each `$ref` string points.
    var referencePaths: [String: JSONPath] = [:]
    /// Schemas already checked, by location, so recursive `$ref`s are checked once.
    var checked: Set<JSONPath> = []
    /// For each schema, the schemas the same instance must also meet: `$ref` targets and the
    /// subschemas of `anyOf`/`oneOf`/`allOf`. A cycle here never reaches into the instance.
    var sameInstance: [JSONPath: [JSONPath]] = [:]
    /// How many `check` calls are open: the checker recurses through properties, items and `$ref`s,
    /// and `$ref`s can chain without end in the text's nesting, so this bounds the stack it uses.
    var openChecks = 0
    /// The most schemas checked inside one another, `$ref`s followed included.
    static let maximumNesting = 2 * JSONValue.maximumDepth
    /// The longest chain of `$ref`, `anyOf`, `oneOf` and `allOf` that stays on one instance: validation
    /// and the grammar converter follow it once per instance level, so it must stay short.
    static let maximumSameInstanceChain = 32

    init(root: JSONValue) {
        self.root = root
    }

    /// Checks the whole document.
    /// - Throws: `NexusError` with code `unsupportedSchema` or `invalidSchema`.
    mutating func run() throws -> CompiledSchema {
        try check(root, at: .root)
        try rejectLoops()
        return compiled
    }

    /// Checks the schema at `path` and, through it, every schema it holds or refers to, each once.
    mutating func check(_ value: JSONValue, at path: JSONPath) throws {
        guard checked.insert(path).inserted else { return }
        guard openChecks < Self.maximumNesting else {
            throw Self.invalid("the schema at \(path) is nested more than \(Self.maximumNesting) schemas deep, counting each $ref followed; flatten it")
        }
        openChecks += 1
        defer { openChecks -= 1 }
        let schema = try Self.schemaObject(value, at: path)
        for keyword in schema.keys.sorted() where !JSONSchema.supportedKeywords.contains(keyword) {
            let supported = JSONSchema.supportedKeywords.sorted().joined(separator: ", ")
            throw NexusError(.unsupportedSchema, "the JSON Schema keyword '\(keyword)' at \(path) is not supported; remove it or use: \(supported)")
        }
        if schema["$id"] != nil && path != .root {
            throw Self.unsupported("$id", at: path, "it is only allowed at the root, because every $ref is resolved against the whole document; remove it")
        }
        for container in SchemaKeyword.containers.sorted() {
            guard let definitions = schema[container] else { continue }
            guard case .object(let definitions) = definitions else {
                throw Self.invalid("'\(container)' at \(path) must be an object mapping names to schemas")
            }
            for name in definitions.keys.sorted() {
                try check(definitions[name]!, at: path.appending(container).appending(name))
            }
        }
        try Self.checkNullable(schema, at: path)
        try Self.checkFormat(schema, at: path)

        let constraints = Set(schema.keys)
            .subtracting(SchemaKeyword.annotations)
            .subtracting(SchemaKeyword.containers)
            .subtracting(["nullable"])
        if let reference = schema["$ref"] {
            try Self.rejectOthers(in: constraints, besides: "$ref", at: path)
            try checkReference(reference, at: path)
            return
        }
        for keyword in ["oneOf", "anyOf"] {
            guard let subschemas = schema[keyword] else { continue }
            try Self.rejectOthers(in: constraints, besides: keyword, at: path)
            try checkSubschemas(subschemas, keyword, at: path)
            return
        }
        let types = try Self.types(schema["type"], at: path)
        if let constant = schema["const"] {
            try Self.rejectOthers(in: constraints, besides: "const", alsoAllowing: "type", at: path)
            try Self.checkValue(constant, of: "const", matches: types, at: path)
            return
        }
        if let values = schema["enum"] {
            try Self.rejectOthers(in: constraints, besides: "enum", alsoAllowing: "type", at: path)
            try Self.checkEnum(values, matches: types, at: path)
            return
        }

        let shapes = types?.map { (type: Optional($0), shape: Self.shape(ofType: $0, in: schema)) }
            ?? [(type: nil, shape: Self.shapeWithoutType(schema))]
        try Self.rejectIgnored(constraints.subtracting(["type"]), types: types, shapes: shapes, at: path)
        var checkedShapes: Set<Shape> = []
        for (type, shape) in shapes {
            // Each family once; allOf once per type, because what it may combine depends on the type.
            guard shape == .allOf || checkedShapes.insert(shape).inserted else { continue }
            switch shape {
            case .object: try checkObject(schema, at: path)
            case .allOf: try checkAllOf(schema["allOf"]!, type: type, at: path)
            case .array: try checkArray(schema, at: path)
            case .string: try checkString(schema, at: path)
            case .integer: try Self.checkIntegerBounds(schema, at: path)
            default: break
            }
        }
    }

    // MARK: - What the converter builds

    /// `properties`, or an `additionalProperties` other than `true`, make an object (`has_properties`).
    static func hasObjectKeywords(_ schema: JSONObject) -> Bool {
        schema["properties"] != nil || (schema["additionalProperties"] != nil && schema["additionalProperties"] != .bool(true))
    }

    /// The shape of a whole schema object, in `build_node`'s order.
    static func shape(of schema: JSONObject) -> Shape {
        if schema["$ref"] != nil { return .reference }
        if schema["oneOf"] != nil || schema["anyOf"] != nil { return .alternatives }
        if case .array = schema["type"] { return .alternatives }
        if schema["const"] != nil { return .constant }
        if schema["enum"] != nil { return .enumeration }
        if case .string(let type) = schema["type"] { return shape(ofType: type, in: schema) }
        return shapeWithoutType(schema)
    }

    static func shape(ofType type: String, in schema: JSONObject) -> Shape {
        switch type {
        case "object": !hasObjectKeywords(schema) && schema["allOf"] != nil ? .allOf : .object
        case "string": schema["allOf"] != nil ? .allOf : .string
        case "array": .array
        case "integer": .integer
        case "number": .number
        case "boolean": .boolean
        default: .null
        }
    }

    /// Without a `type`, the first keyword family present decides.
    static func shapeWithoutType(_ schema: JSONObject) -> Shape {
        if hasObjectKeywords(schema) { return .object }
        if schema["allOf"] != nil { return .allOf }
        if schema["items"] != nil || schema["prefixItems"] != nil { return .array }
        if ["pattern", "minLength", "maxLength", "format"].contains(where: { schema[$0] != nil }) { return .string }
        return .any
    }

    /// The keywords the converter reads for each shape. `additionalProperties` reaches `.allOf` and
    /// `.any` only as `true`, which constrains nothing.
    static func reads(_ shape: Shape) -> Set<String> {
        switch shape {
        case .object: ["properties", "required", "additionalProperties"]
        case .allOf: ["allOf", "additionalProperties"]
        case .array: ["items", "prefixItems", "minItems", "maxItems"]
        case .string: ["pattern", "format", "minLength", "maxLength"]
        case .integer: ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]
        case .any: ["additionalProperties"]
        default: []
        }
    }

    /// Rejects keywords the converter would drop, and keywords that cannot apply to the declared types.
    private static func rejectIgnored(
        _ keywords: Set<String>, types: [String]?, shapes: [(type: String?, shape: Shape)], at path: JSONPath
    ) throws {
        for keyword in keywords.sorted() {
            guard let types else {
                let shape = shapes[0].shape
                if !reads(shape).contains(keyword) {
                    throw unsupported(keyword, at: path, "a schema without \"type\" is converted as \(describe(shape)), which ignores '\(keyword)'; add the \"type\" it is meant for")
                }
                continue
            }
            let applicable = SchemaKeyword.appliesTo[keyword] ?? SchemaKeyword.typeNames
            if !types.contains(where: applicable.contains) {
                throw invalid("the JSON Schema keyword '\(keyword)' at \(path) has no effect on \(describe(types)) (it applies to \(applicable.sorted().joined(separator: ", ")) values); remove it or correct the \"type\"")
            }
            for (type, shape) in shapes where applicable.contains(type!) && !reads(shape).contains(keyword) {
                throw unsupported(keyword, at: path, reasonIgnored(keyword, type: type!, shape: shape))
            }
        }
    }

    private static func reasonIgnored(_ keyword: String, type: String, shape: Shape) -> String {
        if type == "number" {
            return "the grammar converter enforces '\(keyword)' only for \"type\": \"integer\", not for \"number\"; use \"integer\" or remove it"
        }
        if keyword == "allOf" && shape == .object {
            return "the grammar converter ignores 'allOf' in an object schema that has 'properties' or 'additionalProperties'; merge the subschemas' properties into this schema"
        }
        if keyword == "allOf" {
            return "the grammar converter reads 'allOf' only for \"type\": \"object\" or \"string\", not \"\(type)\"; remove it"
        }
        return "the grammar converter uses 'allOf' here and ignores '\(keyword)' beside it; remove one of them"
    }

    private static func describe(_ shape: Shape) -> String {
        switch shape {
        case .object: "an object (it has 'properties' or 'additionalProperties')"
        case .allOf: "an 'allOf'"
        case .array: "an array (it has 'items' or 'prefixItems')"
        case .string: "a string (it has 'pattern', 'format', 'minLength' or 'maxLength')"
        default: "any value"
        }
    }

    private static func describe(_ types: [String]) -> String {
        types.count == 1 ? "\"type\": \"\(types[0])\"" : "\"type\": \(JSONValue.array(types.map { .string($0) }).jsonText)"
    }

    /// `$ref`, `anyOf`/`oneOf`, `const` and `enum` make the converter ignore every other keyword.
    private static func rejectOthers(in keywords: Set<String>, besides keyword: String, alsoAllowing allowed: String? = nil, at path: JSONPath) throws {
        let ignored = keywords.subtracting([keyword]).subtracting(allowed.map { [$0] } ?? [])
        guard let first = ignored.sorted().first else { return }
        let except = allowed.map { " except '\($0)'" } ?? ""
        let remedy = switch keyword {
        case "$ref": "remove '\(first)' or move it into the referenced schema"
        case "anyOf", "oneOf": "remove '\(first)' or move it into each alternative"
        default: "remove '\(first)'"
        }
        throw unsupported(first, at: path, "the grammar converter uses '\(keyword)' and ignores every other keyword beside it\(except); \(remedy)")
    }

    // MARK: - Errors

    static func unsupported(_ keyword: String, at path: JSONPath, _ reason: String) -> NexusError {
        NexusError(.unsupportedSchema, "the JSON Schema keyword '\(keyword)' at \(path) is not supported here: \(reason)")
    }

    static func invalid(_ message: String) -> NexusError {
        NexusError(.invalidSchema, message)
    }

    private static func schemaObject(_ value: JSONValue, at path: JSONPath) throws -> JSONObject {
        switch value {
        case .object(let schema):
            return schema
        case .bool(let flag):
            throw NexusError(.unsupportedSchema, "the boolean schema \(flag) at \(path) is not supported: the grammar converter needs a schema object; write {} to accept any value\(flag ? "" : ", or constrain the parent (e.g. \"maxItems\": 0 or \"additionalProperties\": false)")")
        default:
            throw invalid("the schema at \(path) must be a JSON object, not \(value.kindDescription)")
        }
    }
}
