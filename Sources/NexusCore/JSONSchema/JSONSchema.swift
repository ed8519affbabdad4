import Foundation

/// A JSON Schema restricted to what llama.cpp's JSON-schema-to-grammar converter enforces.
///
/// The same schema both constrains generation (as a grammar) and checks results (here), so a schema is
/// accepted only when the converter enforces every keyword in it. A keyword the converter would drop,
/// such as `minimum` on a `"number"` or `minLength` next to `pattern`, is rejected up front instead of
/// being enforced by one side and not the other. ``supportedKeywords`` lists what can appear, and
/// ``init(_:)`` what each may hold.
///
/// ```swift
/// let schema = try JSONSchema(text: #"{"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}"#)
/// schema.validate(["city": 3])   // [$.city: expected a string, got number 3]
/// ```
public struct JSONSchema: Sendable, Hashable {
    /// The schema document, with `"nullable": true` rewritten as `anyOf` with `{"type": "null"}`
    /// (the form the grammar converter enforces); give this to the converter.
    public let root: JSONValue
    /// Resolved `$ref` targets and compiled patterns, derived from `root`.
    let compiled: CompiledSchema

    /// Checks that the schema is well-formed and uses only supported keywords.
    ///
    /// Supported: `type` (a name or an array of names among `string`, `number`, `integer`, `boolean`,
    /// `object`, `array`, `null`), `properties`, `required`, `additionalProperties` (a boolean or a
    /// schema; absent means `true`), `items` (a schema), `prefixItems`, `minItems`, `maxItems`, `enum`,
    /// `const`, `anyOf`, `oneOf`, `allOf` (of object schemas, whose properties merge, or of enums,
    /// which intersect), `$ref` to `#/...` in the same document with `$defs`/`definitions`,
    /// `minLength`, `maxLength`, `pattern` (anchored with `^` and `$`, in the converter's regex subset),
    /// `format` (`date`, `time`, `date-time`, `uuid`, `uuid1`–`uuid5`), and `minimum`, `maximum`,
    /// `exclusiveMinimum`, `exclusiveMaximum` on `"type": "integer"`, and `nullable` (rewritten as
    /// `anyOf` with `{"type": "null"}`, which the converter enforces).
    /// Annotations (`title`, `description`, `default`, `examples`, `$schema`, `$id` at the root,
    /// `$comment`, `deprecated`, `readOnly`, `writeOnly`) are allowed and ignored. Every entry of
    /// `$defs`/`definitions` is checked, referenced or not, each once however often it is referenced.
    ///
    /// - Parameter root: The schema document.
    /// - Throws: `NexusError` with code `unsupportedSchema` naming the keyword and its path (for example
    ///   "the JSON Schema keyword 'patternProperties' at $.properties.a is not supported; remove it or
    ///   use: ..."), or code `invalidSchema` for a malformed value (a `type` that is not a string or an
    ///   array, `required` that is not an array of strings, a `$ref` that does not resolve, a negative
    ///   `minItems`, an invalid `pattern`, a `$ref` cycle that never descends into the instance, ...).
    public init(_ given: JSONValue) throws {
        let root = NullableRewrite.rewrite(given)
        var checker = SchemaChecker(root: root)
        self.compiled = try checker.run()
        self.root = root
    }

    /// Parses JSON text, then checks it as ``init(_:)`` does.
    /// - Parameter text: The schema as JSON text.
    /// - Throws: `NexusError` with code `invalidSchema` when the text is not JSON, otherwise as ``init(_:)``.
    public init(text: String) throws {
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch let error as NexusError {
            throw NexusError(.invalidSchema, "the schema could not be read: \(error.message)")
        }
        try self.init(value)
    }

    /// Every way the instance breaks the schema, in a stable order; empty when it conforms.
    /// - Parameter instance: The value to check, for example a tool call's arguments.
    public func validate(_ instance: JSONValue) -> [SchemaViolation] {
        SchemaValidator(compiled: compiled).violations(of: instance, against: root, at: .root)
    }

    /// Throws unless the instance conforms to the schema.
    /// - Parameter instance: The value to check.
    /// - Throws: `NexusError` with code `schemaViolation` and the message "<path>: <message>" of the first violation.
    public func check(_ instance: JSONValue) throws {
        if let violation = validate(instance).first {
            throw NexusError(.schemaViolation, violation.description)
        }
    }

    /// Every keyword a schema may contain; anything else is rejected as unsupported.
    public static let supportedKeywords: Set<String> = SchemaKeyword.constraints
        .union(SchemaKeyword.annotations)
        .union(SchemaKeyword.containers)

    public static func == (lhs: JSONSchema, rhs: JSONSchema) -> Bool {
        lhs.root == rhs.root
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(root)
    }
}

/// One way an instance breaks a schema.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// Where in the instance, like `$.items[2].name`; `$` is the instance itself.
    public var path: String
    /// What is wrong there, like "expected a string, got number 3".
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// "<path>: <message>".
    public var description: String { "\(path): \(message)" }
}

/// What checking a schema leaves behind for validation.
struct CompiledSchema: Sendable {
    /// Each `$ref` string in the schema, mapped to the schema it points to.
    var references: JSONObject = [:]
    /// Each `pattern` string, compiled to match exactly what the grammar accepts.
    var patterns: [String: NSRegularExpression] = [:]
}

/// The keyword vocabulary, grouped by role.
enum SchemaKeyword {
    /// Keywords that constrain instances.
    static let constraints: Set<String> = [
        "type", "nullable", "enum", "const", "$ref", "anyOf", "oneOf", "allOf",
        "properties", "required", "additionalProperties",
        "items", "prefixItems", "minItems", "maxItems",
        "minLength", "maxLength", "pattern", "format",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    ]
    /// Keywords that hold schemas for `$ref` to point at.
    static let containers: Set<String> = ["$defs", "definitions"]
    /// Keywords that describe and do not constrain.
    static let annotations: Set<String> = [
        "title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated", "readOnly", "writeOnly",
    ]

    /// The instance types each type-specific keyword applies to.
    static let appliesTo: [String: Set<String>] = [
        "properties": ["object"], "required": ["object"], "additionalProperties": ["object"],
        "items": ["array"], "prefixItems": ["array"], "minItems": ["array"], "maxItems": ["array"],
        "minLength": ["string"], "maxLength": ["string"], "pattern": ["string"], "format": ["string"],
        "minimum": ["integer", "number"], "maximum": ["integer", "number"],
        "exclusiveMinimum": ["integer", "number"], "exclusiveMaximum": ["integer", "number"],
    ]

    static let typeNames: Set<String> = ["string", "number", "integer", "boolean", "object", "array", "null"]
}
