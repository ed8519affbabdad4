import NexusCore
import Testing

/// One instance checked against one schema, with the violations expected ("<path>: <message>").
struct ValidationCase: Sendable, CustomTestStringConvertible {
    var schema: String
    var instance: String
    var expected: [String]

    init(_ schema: String, _ instance: String, _ expected: [String] = []) {
        self.schema = schema
        self.instance = instance
        self.expected = expected
    }

    var testDescription: String { "\(schema) ∋ \(instance)" }
}

/// A schema the checker must reject, and what the message must say.
struct RejectionCase: Sendable, CustomTestStringConvertible {
    var schema: String
    var fragment: String

    init(_ schema: String, _ fragment: String) {
        self.schema = schema
        self.fragment = fragment
    }

    var testDescription: String { schema }
}

private func violations(_ schema: String, _ instance: String) throws -> [String] {
    try JSONSchema(text: schema).validate(JSONValue.parse(instance)).map(\.description)
}

private func schemaError(_ text: String) -> NexusError? {
    do {
        _ = try JSONSchema(text: text)
        return nil
    } catch {
        return error as? NexusError
    }
}

@Suite struct JSONSchemaValidationTests {
    static let typeCases: [ValidationCase] = [
        .init(#"{"type": "string"}"#, #""a""#),
        .init(#"{"type": "string"}"#, "3", ["$: expected a string, got number 3"]),
        .init(#"{"type": "integer"}"#, "3"),
        .init(#"{"type": "integer"}"#, "3.0"),
        .init(#"{"type": "integer"}"#, "-40"),
        .init(#"{"type": "integer"}"#, "3.5", ["$: expected an integer, got number 3.5"]),
        .init(#"{"type": "number"}"#, "3.5"),
        .init(#"{"type": "number"}"#, "7"),
        .init(#"{"type": "number"}"#, #""7""#, [#"$: expected a number, got string "7""#]),
        .init(#"{"type": "boolean"}"#, "true"),
        .init(#"{"type": "boolean"}"#, "null", ["$: expected a boolean, got null"]),
        .init(#"{"type": "null"}"#, "null"),
        .init(#"{"type": "null"}"#, "false", ["$: expected null, got boolean false"]),
        .init(#"{"type": "object"}"#, #"{"any": [1]}"#),
        .init(#"{"type": "object"}"#, "[]", ["$: expected an object, got an array of 0 items"]),
        .init(#"{"type": "array"}"#, "[1, \"a\"]"),
        .init(#"{"type": "array"}"#, "{}", ["$: expected an array, got an object"]),
        .init(#"{"type": ["string", "null"]}"#, "null"),
        .init(#"{"type": ["string", "null"]}"#, #""a""#),
        .init(#"{"type": ["string", "null"]}"#, "1", ["$: expected a string or null, got number 1"]),
        .init(#"{"type": "string", "nullable": false}"#, "null", ["$: expected a string, got null"]),
        .init(#"{"type": "string", "nullable": true}"#, "null"),
        .init(#"{"type": "string", "nullable": true}"#, #""a""#),
        .init(#"{"type": "object", "properties": {"a": {"type": "integer", "nullable": true}}}"#, #"{"a": null}"#),
        .init(#"{}"#, #"{"anything": [true, null]}"#),
    ]

    @Test(arguments: typeCases)
    func type(_ test: ValidationCase) throws {
        #expect(try violations(test.schema, test.instance) == test.expected)
    }

    static let objectCases: [ValidationCase] = {
        let person = #"{"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}, "required": ["name"]}"#
        let closed = #"{"type": "object", "properties": {"name": {"type": "string"}}, "additionalProperties": false}"#
        let counted = #"{"type": "object", "properties": {"name": {"type": "string"}}, "additionalProperties": {"type": "integer"}}"#
        return [
            .init(person, #"{"name": "Ada", "age": 36}"#),
            // additionalProperties defaults to true, as in JSON Schema.
            .init(person, #"{"name": "Ada", "nickname": "A"}"#),
            .init(person, #"{"age": 36}"#, ["$: missing required property 'name'"]),
            .init(person, #"{"name": 1, "age": "old"}"#, [
                #"$.age: expected an integer, got string "old""#,
                "$.name: expected a string, got number 1",
            ]),
            .init(person, #""Ada""#, [#"$: expected an object, got string "Ada""#]),
            .init(closed, #"{"name": "Ada"}"#),
            .init(closed, #"{"name": "Ada", "zip": 1, "city": "X"}"#, [
                "$: unexpected property 'city' (allowed: name)",
                "$: unexpected property 'zip' (allowed: name)",
            ]),
            .init(#"{"type": "object", "additionalProperties": false}"#, #"{"x": 1}"#, ["$: unexpected property 'x' (none are allowed)"]),
            .init(#"{"type": "object", "additionalProperties": false}"#, "{}"),
            .init(counted, #"{"name": "Ada", "a": 1, "b": 2}"#),
            .init(counted, #"{"name": "Ada", "b": "two"}"#, [#"$.b: expected an integer, got string "two""#]),
            .init(#"{"type": "object", "properties": {"first name": {"type": "string"}}}"#, #"{"first name": false}"#,
                  [#"$["first name"]: expected a string, got boolean false"#]),
            // Without "type", object keywords constrain objects only, as in JSON Schema.
            .init(#"{"properties": {"a": {"type": "integer"}}}"#, "5"),
            .init(#"{"properties": {"a": {"type": "integer"}}}"#, #"{"a": "x"}"#, [#"$.a: expected an integer, got string "x""#]),
        ]
    }()

    @Test(arguments: objectCases)
    func object(_ test: ValidationCase) throws {
        #expect(try violations(test.schema, test.instance) == test.expected)
    }

    static let arrayCases: [ValidationCase] = {
        let integers = #"{"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3}"#
        let pair = #"{"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}"#
        return [
            .init(integers, "[1, 2, 3]"),
            .init(integers, #"[1, 2, "x"]"#, [#"$[2]: expected an integer, got string "x""#]),
            .init(integers, "[]", ["$: expected at least 1 item, got 0"]),
            .init(integers, "[1, 2, 3, 4]", ["$: expected at most 3 items, got 4"]),
            .init(#"{"type": "array", "minItems": 2}"#, #"["a"]"#, ["$: expected at least 2 items, got 1"]),
            .init(#"{"type": "array", "maxItems": 0}"#, "[]"),
            .init(pair, #"["a", 1]"#),
            .init(pair, #"[1, "a"]"#, ["$[0]: expected a string, got number 1", #"$[1]: expected an integer, got string "a""#]),
            .init(#"{"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}}"#,
                  #"[{"name": "a"}, {"name": "b"}, {"name": 3}]"#, ["$[2].name: expected a string, got number 3"]),
        ]
    }()

    @Test(arguments: arrayCases)
    func array(_ test: ValidationCase) throws {
        #expect(try violations(test.schema, test.instance) == test.expected)
    }

    static let valueCases: [ValidationCase] = [
        .init(#"{"enum": ["red", "green"]}"#, #""red""#),
        .init(#"{"enum": ["red", "green"]}"#, #""blue""#, [#"$: must be one of "red", "green", got string "blue""#]),
        .init(#"{"enum": ["red", 1, null]}"#, "null"),
        .init(#"{"type": "string", "enum": ["a", "b"]}"#, #""b""#),
        .init(#"{"type": ["string", "null"], "enum": ["a", null]}"#, "null"),
        .init(#"{"const": {"a": [1, null]}}"#, #"{"a": [1, null]}"#),
        .init(#"{"const": {"a": [1, null]}}"#, #"{"a": [1]}"#, [#"$: must be {"a":[1,null]}, got an object"#]),
        .init(#"{"const": 2}"#, "2.0"),
        .init(#"{"const": 2}"#, "3", ["$: must be 2, got number 3"]),
        .init(#"{"const": null}"#, "0", ["$: must be null, got number 0"]),
    ]

    @Test(arguments: valueCases)
    func enumAndConst(_ test: ValidationCase) throws {
        #expect(try violations(test.schema, test.instance) == test.expected)
    }

    static let combinatorCases: [ValidationCase] = {
        let stringOrInteger = #"{"anyOf": [{"type": "string"}, {"type": "integer"}]}"#
        let overlapping = #"{"oneOf": [{"type": "integer"}, {"type": "number"}]}"#
        let optionalObject = #"{"anyOf": [{"type": "null"}, {"type": "object", "properties": {"n": {"type": "string"}}}]}"#
        let twoStrings = #"{"anyOf": [{"type": "string", "minLength": 3}, {"type": "string", "format": "date"}]}"#
        let merged = #"""
        {"allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"type": "object", "properties": {"b": {"type": "integer"}}, "required": ["b"]}
        ]}
        """#
        let intersected = #"{"allOf": [{"enum": ["a", "b", "c"]}, {"enum": ["b", "c", "d"]}]}"#
        return [
            .init(stringOrInteger, #""x""#),
            .init(stringOrInteger, "3"),
            .init(stringOrInteger, "true", ["$: expected a string or an integer, got boolean true"]),
            .init(overlapping, "1.5"),
            .init(overlapping, "1", ["$: matches 2 of the schemas in oneOf (at positions 0, 1) but must match exactly one"]),
            .init(overlapping, "null", ["$: expected an integer or a number, got null"]),
            .init(optionalObject, "null"),
            .init(optionalObject, #"{"n": "x"}"#),
            // The only alternative of the instance's type explains the failure.
            .init(optionalObject, #"{"n": 1}"#, ["$.n: expected a string, got number 1"]),
            .init(twoStrings, #""2024-05-17""#),
            .init(twoStrings, #""ab""#, ["$: matches none of the 2 schemas in anyOf; the closest fails with $: expected at least 3 characters, got 2"]),
            .init(merged, #"{"a": "x", "b": 1}"#),
            .init(merged, #"{"a": "x"}"#, ["$: missing required property 'b'"]),
            .init(merged, #"{"a": 1, "b": 1}"#, ["$.a: expected a string, got number 1"]),
            .init(intersected, #""b""#),
            .init(intersected, #""a""#, [#"$: must be one of "b", "c", "d", got string "a""#]),
        ]
    }()

    @Test(arguments: combinatorCases)
    func combinators(_ test: ValidationCase) throws {
        #expect(try violations(test.schema, test.instance) == test.expected)
    }

    static let stringCases: [ValidationCase] = {
        let bounded = #"{"type": "string", "minLength": 2, "maxLength": 3}"#
        let code = #"{"type": "string", "pattern": "^[a-z]+-[0-9]{2,3}$"}"#
        return [
            .init(bounded, #""ab""#),
            // Lengths count code points: "é😀" is two.
            .init(bounded, #""é😀""#),
            .init(bounded, #""a""#, ["$: expected at least 2 characters, got 1"]),
            .init(bounded, #""abcd""#, ["$: expected at most 3 characters, got 4"]),
            .init(code, #""abc-12""#),
            .init(code, #""abc-1""#, [#"$: "abc-1" does not match the pattern ^[a-z]+-[0-9]{2,3}$"#]),
            // Anchored like the grammar: a trailing newline is not ignored.
            .init(code, #""abc-12\n""#, [#"$: "abc-12\n" does not match the pattern ^[a-z]+-[0-9]{2,3}$"#]),
            .init(#"{"type": "string", "format": "date"}"#, #""2024-05-17""#),
            .init(#"{"type": "string", "format": "date"}"#, #""2024-13-01""#, [#"$: "2024-13-01" is not a valid date (like 2024-05-17)"#]),
            .init(#"{"type": "string", "format": "uuid4"}"#, #""123E4567-e89b-12d3-a456-426614174000""#),
            .init(#"{"type": "string", "format": "uuid"}"#, #""123e4567e89b12d3a456426614174000""#,
                  [#"$: "123e4567e89b12d3a456426614174000" is not a valid uuid (like 123e4567-e89b-12d3-a456-426614174000)"#]),
            // String keywords do not constrain other types.
            .init(#"{"type": ["string", "integer"], "minLength": 5}"#, "1"),
        ]
    }()

    @Test(arguments: stringCases)
    func string(_ test: ValidationCase) throws {
        #expect(try violations(test.schema, test.instance) == test.expected)
    }

    static let integerCases: [ValidationCase] = {
        let inclusive = #"{"type": "integer", "minimum": 1, "maximum": 10}"#
        let exclusive = #"{"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10}"#
        return [
            .init(inclusive, "1"),
            .init(inclusive, "10"),
            .init(inclusive, "0", ["$: must be at least 1, got 0"]),
            .init(inclusive, "11", ["$: must be at most 10, got 11"]),
            .init(inclusive, "5.5", ["$: expected an integer, got number 5.5"]),
            .init(exclusive, "5"),
            .init(exclusive, "0", ["$: must be greater than 0, got 0"]),
            .init(exclusive, "10", ["$: must be less than 10, got 10"]),
            .init(#"{"type": "integer", "minimum": -2.5}"#, "-2"),
            .init(#"{"type": "integer", "minimum": -2.5}"#, "-3", ["$: must be at least -2.5, got -3"]),
            .init(#"{"type": ["integer", "string"], "maximum": 3}"#, #""many""#),
        ]
    }()

    @Test(arguments: integerCases)
    func integer(_ test: ValidationCase) throws {
        #expect(try violations(test.schema, test.instance) == test.expected)
    }

    static let formatCases: [(format: String, valid: [String], invalid: [String])] = [
        ("date", ["2024-05-17", "0000-01-01", "2024-02-31"], ["2024-5-17", "2024-00-10", "2024-13-01", "2024-01-32", "2024-01-00", "24-01-01", "2024-01-01T00:00:00Z", "２０２４-01-01"]),
        ("time", ["00:00:00Z", "23:59:59Z", "13:45:00.250+02:00", "08:00:00-11:30"],
         ["24:00:00Z", "12:60:00Z", "12:00:60Z", "12:00:00", "12:00Z", "12:00:00.5Z", "12:00:00z", "12:00:00+2:00", "12:00:00+24:00"]),
        ("date-time", ["2024-05-17T13:45:00Z", "2024-05-17T13:45:00.123-05:00"], ["2024-05-17 13:45:00Z", "2024-05-17t13:45:00Z", "2024-05-17T13:45Z", "2024-05-17"]),
        ("uuid", ["123e4567-e89b-12d3-a456-426614174000", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"],
         ["123e4567-e89b-12d3-a456-42661417400", "123e4567-e89b-12d3-a456-4266141740000", "g23e4567-e89b-12d3-a456-426614174000", "{123e4567-e89b-12d3-a456-426614174000}"]),
    ]

    @Test(arguments: formatCases)
    func format(_ test: (format: String, valid: [String], invalid: [String])) throws {
        let schema = try JSONSchema(["type": "string", "format": .string(test.format)])
        for value in test.valid {
            #expect(schema.validate(.string(value)).isEmpty, "\(value) should be a valid \(test.format)")
        }
        for value in test.invalid {
            #expect(schema.validate(.string(value)).count == 1, "\(value) should not be a valid \(test.format)")
        }
    }

    /// Patterns mean what the grammar converter makes of them: the part between the anchors must
    /// match the whole string, and `.` excludes line breaks.
    static let patternCases: [(pattern: String, matching: [String], failing: [String])] = [
        (#"^abc?d*efg+(hij)?kl$"#, ["abdefgkl", "abcddefgghijkl"], ["abefkl", "abdefgklx"]),
        (#"^\[\]\{\}\(\)\|\+\*\?$"#, ["[]{}()|+*?"], ["[]"]),
        (#"^"$"#, ["\""], ["'"]),
        // Top-level alternation is inside the anchors, unlike a plain regex engine's reading.
        (#"^A|B|C|D$"#, ["A", "C", "D"], ["AB", "xD", "Ax"]),
        (#"^(\([0-9]{1,3}\))?[0-9]{3}-[0-9]{4} a{3,5}nd...$"#, ["(12)345-6789 aaand!!!", "345-6789 aaaaand..."], ["345-6789 aand...", "(1234)345-6789 aaand..."]),
        (#"^(?:foo|bar)baz$"#, ["foobaz", "barbaz"], ["baz", "foobarbaz"]),
        (#"^[a-z\-]+$"#, ["a-b"], ["A", ""]),
        (#"^a.c$"#, ["abc", "a c", "aéc"], ["a\nc", "a\rc", "ac"]),
        (#"^[^"\\]*$"#, ["abc", ""], ["a\"b", "a\\b"]),
        (#"^x{2}$"#, ["xx"], ["x", "xxx"]),
        (#"^x{2,}$"#, ["xx", "xxxxx"], ["x"]),
        (#"^x{,2}$"#, ["", "xx"], ["xxx"]),
        (#"^[&[]+$"#, ["&[", "[[&"], ["a"]),
        (#"^\x41\u00e9$"#, ["Aé"], ["A", "aé", "Aéé"]),
        (#"^é+ü$"#, ["éü", "éééü"], ["ü", "éü!"]),
        (#"^ab(\.)+$"#, ["ab.", "ab..."], ["ab", "abab"]),
        (#"^a$"#, ["a"], ["a\n", "aa"]),
        (#"^$"#, [""], ["a"]),
    ]

    @Test(arguments: patternCases)
    func pattern(_ test: (pattern: String, matching: [String], failing: [String])) throws {
        let schema = try JSONSchema(["type": "string", "pattern": .string(test.pattern)])
        for value in test.matching {
            #expect(schema.validate(.string(value)).isEmpty, "\(value.debugDescription) should match \(test.pattern)")
        }
        for value in test.failing {
            #expect(schema.validate(.string(value)).count == 1, "\(value.debugDescription) should not match \(test.pattern)")
        }
    }

    @Test func annotationsAreIgnored() throws {
        let schema = try JSONSchema(text: #"""
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.com/s", "$comment": "c",
         "type": "string", "title": "Name", "description": "A name", "default": 5, "examples": [1, 2],
         "deprecated": true, "readOnly": false, "writeOnly": true}
        """#)
        #expect(schema.validate("x").isEmpty)
        #expect(schema.validate(5).map(\.description) == ["$: expected a string, got number 5"])
    }

    @Test func checkThrowsTheFirstViolation() throws {
        let schema = try JSONSchema(text: #"{"type": "object", "properties": {"user": {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string"}}}}}}"#)
        try schema.check(["user": ["tags": ["a"]]])
        let error = try #require(throws: NexusError.self) {
            try schema.check(["user": ["tags": ["a", 2, 3]]])
        }
        #expect(error.code == .schemaViolation)
        #expect(error.message == "$.user.tags[1]: expected a string, got number 2")
        #expect(schema.validate(["user": ["tags": ["a", 2, 3]]]).map(\.path) == ["$.user.tags[1]", "$.user.tags[2]"])
    }

    @Test func violationDescribesPathAndMessage() {
        let violation = SchemaViolation(path: "$.a[0]", message: "expected a string, got null")
        #expect(violation.description == "$.a[0]: expected a string, got null")
    }
}

@Suite struct JSONSchemaReferenceTests {
    static let tree = #"""
    {
        "$ref": "#/$defs/node",
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "value": {"type": "integer"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}
                },
                "required": ["value"],
                "additionalProperties": false
            }
        }
    }
    """#

    @Test func recursiveTreeValidatesAtEveryDepth() throws {
        let schema = try JSONSchema(text: Self.tree)
        let valid = try JSONValue.parse(#"{"value": 1, "children": [{"value": 2}, {"value": 3, "children": [{"value": 4, "children": []}]}]}"#)
        #expect(schema.validate(valid).isEmpty)

        let invalid = try JSONValue.parse(#"{"value": 1, "children": [{"value": 2}, {"value": 3, "children": [{"value": "x", "color": "red"}]}]}"#)
        #expect(schema.validate(invalid).map(\.description) == [
            "$.children[1].children[0]: unexpected property 'color' (allowed: children, value)",
            #"$.children[1].children[0].value: expected an integer, got string "x""#,
        ])
    }

    @Test func deepRecursionTerminates() throws {
        let schema = try JSONSchema(text: Self.tree)
        var node: JSONValue = ["value": 0]
        for depth in 1...200 {
            node = ["value": .number(Double(depth)), "children": [node]]
        }
        #expect(schema.validate(node).isEmpty)
    }

    @Test func mutualRecursionThroughDefinitions() throws {
        let schema = try JSONSchema(text: #"""
        {
            "type": "object",
            "properties": {"head": {"$ref": "#/definitions/a"}},
            "definitions": {
                "a": {"type": "object", "properties": {"b": {"$ref": "#/definitions/b"}}},
                "b": {"type": "object", "properties": {"a": {"$ref": "#/definitions/a"}, "leaf": {"type": "boolean"}}}
            }
        }
        """#)
        #expect(schema.validate(try JSONValue.parse(#"{"head": {"b": {"a": {"b": {"leaf": true}}}}}"#)).isEmpty)
        #expect(schema.validate(try JSONValue.parse(#"{"head": {"b": {"a": {"b": {"leaf": 1}}}}}"#)).map(\.description)
                == ["$.head.b.a.b.leaf: expected a boolean, got number 1"])
    }

    @Test func referencesIntoAnyLocation() throws {
        // A linked list whose node refers to the second anyOf alternative by array index.
        let schema = try JSONSchema(text: ##"{"anyOf": [{"type": "null"}, {"type": "object", "properties": {"next": {"$ref": "#/anyOf/1"}, "v": {"type": "string"}}}]}"##)
        #expect(schema.validate(try JSONValue.parse(#"{"v": "a", "next": {"v": "b", "next": {"v": "c"}}}"#)).isEmpty)
        #expect(schema.validate(try JSONValue.parse(#"{"next": {"next": {"v": 3}}}"#)).map(\.description)
                == ["$.next.next.v: expected a string, got number 3"])
    }

    @Test func nestedDefinitionsByFullPath() throws {
        let schema = try JSONSchema(text: #"""
        {"type": "object", "properties": {
            "a": {"type": "object", "$defs": {"id": {"type": "string", "format": "uuid"}}, "properties": {"id": {"$ref": "#/properties/a/$defs/id"}}},
            "b": {"$ref": "#/properties/a/$defs/id"}
        }}
        """#)
        #expect(schema.validate(["b": "nope"]).map(\.description) == [#"$.b: "nope" is not a valid uuid (like 123e4567-e89b-12d3-a456-426614174000)"#])
    }

    @Test func eachDefinitionIsCheckedEvenWhenUnused() throws {
        let error = try #require(schemaError(#"{"type": "string", "$defs": {"unused": {"type": "number", "minimum": 0}}}"#))
        #expect(error.code == .unsupportedSchema)
        #expect(error.message.contains("'minimum' at $.$defs.unused"))
    }
}

@Suite struct JSONSchemaSupportTests {
    /// Keywords outside the subset, wherever they appear.
    static let unknownKeywords: [RejectionCase] = [
        .init(#"{"type": "object", "properties": {"a": {"type": "object", "patternProperties": {"^x": {}}}}}"#, "'patternProperties' at $.properties.a"),
        .init(#"{"type": "array", "uniqueItems": true}"#, "'uniqueItems' at $"),
        .init(#"{"type": "array", "contains": {"type": "integer"}}"#, "'contains' at $"),
        .init(#"{"type": "array", "items": {"type": "string"}, "additionalItems": false}"#, "'additionalItems' at $"),
        .init(#"{"type": "number", "multipleOf": 2}"#, "'multipleOf' at $"),
        .init(#"{"not": {"type": "string"}}"#, "'not' at $"),
        .init(#"{"type": "object", "minProperties": 1}"#, "'minProperties' at $"),
        .init(#"{"type": "object", "propertyNames": {"pattern": "^a$"}}"#, "'propertyNames' at $"),
        .init(#"{"type": "object", "dependentRequired": {"a": ["b"]}}"#, "'dependentRequired' at $"),
        .init(#"{"type": "object", "unevaluatedProperties": false}"#, "'unevaluatedProperties' at $"),
        .init(#"{"if": {"type": "string"}, "then": {"minLength": 1}}"#, "'if' at $"),
        .init(#"{"type": "array", "items": {"$anchor": "x"}}"#, "'$anchor' at $.items"),
        .init(#"{"anyOf": [{"type": "string", "contentEncoding": "base64"}]}"#, "'contentEncoding' at $.anyOf[0]"),
    ]

    @Test(arguments: unknownKeywords)
    func unknownKeywordIsRejected(_ test: RejectionCase) throws {
        let error = try #require(schemaError(test.schema))
        #expect(error.code == .unsupportedSchema)
        #expect(error.message.contains("the JSON Schema keyword \(test.fragment) is not supported; remove it or use: "))
        #expect(error.message.contains("prefixItems"))
    }

    /// Keywords the grammar converter reads elsewhere but would drop here.
    static let ignoredKeywords: [RejectionCase] = [
        .init(#"{"type": "number", "minimum": 0}"#, "'minimum' at $"),
        .init(#"{"type": "object", "properties": {"p": {"type": "number", "exclusiveMaximum": 1}}}"#, "'exclusiveMaximum' at $.properties.p"),
        .init(#"{"type": ["integer", "number"], "maximum": 3}"#, "'maximum' at $"),
        .init(#"{"minimum": 0}"#, "'minimum' at $"),
        .init(#"{"minItems": 1}"#, "'minItems' at $"),
        .init(#"{"required": ["a"]}"#, "'required' at $"),
        .init(#"{"properties": {"a": {}}, "items": {}}"#, "'items' at $"),
        .init(#"{"type": "string", "pattern": "^a+$", "minLength": 1}"#, "'minLength' at $"),
        .init(#"{"type": "string", "pattern": "^a+$", "format": "date"}"#, "'format' at $"),
        .init(#"{"type": "string", "format": "date", "maxLength": 10}"#, "'maxLength' at $"),
        .init(#"{"type": "string", "format": "email"}"#, "'format' at $"),
        .init(#"{"type": "integer", "minimum": 1, "exclusiveMinimum": 0}"#, "'exclusiveMinimum' at $"),
        .init(#"{"type": "integer", "maximum": 1, "exclusiveMaximum": 5}"#, "'exclusiveMaximum' at $"),
        .init(#"{"type": "array", "prefixItems": [{}], "minItems": 1}"#, "'minItems' at $"),
        .init(#"{"type": "array", "items": {}, "prefixItems": [{}]}"#, "'prefixItems' at $"),
        .init(#"{"type": "array", "items": [{"type": "string"}]}"#, "'items' at $"),
        .init(##"{"$ref": "#/$defs/a", "type": "string", "$defs": {"a": {"type": "string"}}}"##, "'type' at $"),
        .init(#"{"anyOf": [{"type": "string"}], "type": "string"}"#, "'type' at $"),
        .init(#"{"oneOf": [{"type": "string"}], "anyOf": [{"type": "integer"}]}"#, "'anyOf' at $"),
        .init(#"{"anyOf": [{"type": "string"}], "properties": {"a": {}}}"#, "'properties' at $"),
        .init(#"{"enum": ["a"], "minLength": 1}"#, "'minLength' at $"),
        .init(#"{"const": 1, "enum": [1]}"#, "'enum' at $"),
        .init(#"{"type": "object", "properties": {"a": {}}, "allOf": [{"type": "object", "properties": {"b": {}}}]}"#, "'allOf' at $"),
        .init(#"{"type": "object", "required": ["a"], "allOf": [{"type": "object", "properties": {"a": {}}}]}"#, "'required' at $"),
        .init(#"{"type": "integer", "allOf": [{"enum": [1]}]}"#, "'allOf' at $"),
        .init(#"{"type": ["object", "null"], "allOf": [{"type": "object", "properties": {"a": {}}}]}"#, "'allOf' at $"),
        .init(#"{"allOf": [{"type": "string"}]}"#, "'allOf' at $"),
        .init(#"{"allOf": [{"const": "a"}]}"#, "'allOf' at $"),
        .init(#"{"allOf": [{"anyOf": [{"type": "object", "properties": {"a": {}}}]}]}"#, "'allOf' at $"),
        .init(#"{"allOf": [{"type": "object", "properties": {"a": {}}}, {"enum": ["x"]}]}"#, "'allOf' at $"),
        .init(#"{"allOf": [{"type": "object", "properties": {"a": {}}}, {"type": "object", "properties": {"a": {"type": "string"}}}]}"#, "'allOf' at $"),
        .init(#"{"allOf": [{"type": "object", "properties": {"a": {}}, "additionalProperties": false}, {"type": "object", "properties": {"b": {}}}]}"#, "'additionalProperties' at $.allOf[0]"),
        .init(#"{"type": "string", "allOf": [{"type": "object", "properties": {"a": {}}}]}"#, "'allOf' at $"),
        .init(#"{"type": "object", "properties": {"a": {}}, "required": ["a", "b"]}"#, "'required' at $"),
        .init(#"{"type": "object", "required": ["a"]}"#, "'required' at $"),
        .init(##"{"$ref": "#"}"##, "'$ref' at $"),
        .init(#"{"$ref": "other.json#/$defs/a"}"#, "'$ref' at $"),
        .init(##"{"$ref": "#/$defs/a~1b", "$defs": {"a/b": {"type": "string"}}}"##, "'$ref' at $"),
        .init(#"{"type": "object", "properties": {"a": {"$id": "https://example.com/a", "type": "string"}}}"#, "'$id' at $.properties.a"),
    ]

    @Test(arguments: ignoredKeywords)
    func keywordTheConverterWouldDropIsRejected(_ test: RejectionCase) throws {
        let error = try #require(schemaError(test.schema))
        #expect(error.code == .unsupportedSchema)
        #expect(error.message.contains("the JSON Schema keyword \(test.fragment) is not supported here: "), "\(error.message)")
    }

    /// Patterns the converter would replace with "any string".
    static let unsupportedPatterns: [String] = [
        "[a-z]+",          // not anchored
        "^[a-z]+",         // no trailing anchor
        #"^\d+$"#,         // shorthand classes
        #"^[\w.]+$"#,      // shorthand in a class
        #"^\/$"#,          // escape the grammar does not know
        "^(?=a)a$",        // lookahead
        "^(?<n>a)$",       // named group
        "^a$|^b$",         // anchors inside
        #"^ab\.+$"#,       // quantifier after an escape repeats the whole run in the converter
        "^a{1,x}$",        // not a number
        "^a{1,2,3}$",      // too many numbers
        "^a{1$",           // unterminated braces
        "^a]$",            // stray bracket
    ]

    @Test(arguments: unsupportedPatterns)
    func patternTheConverterWouldDropIsRejected(_ pattern: String) throws {
        let error = try #require(throws: NexusError.self) {
            try JSONSchema(["type": "object", "properties": ["p": ["type": "string", "pattern": .string(pattern)]]])
        }
        #expect(error.code == .unsupportedSchema)
        #expect(error.message.contains("the JSON Schema keyword 'pattern' at $.properties.p is not supported with the value \(JSONValue.string(pattern).jsonText): "), "\(error.message)")
    }

    @Test(arguments: [
        RejectionCase(#"{"type": "array", "items": true}"#, "the boolean schema true at $.items is not supported"),
        RejectionCase(#"{"type": "object", "properties": {"a": false}}"#, "the boolean schema false at $.properties.a is not supported"),
    ])
    func booleanSchemaIsRejected(_ test: RejectionCase) throws {
        let error = try #require(schemaError(test.schema))
        #expect(error.code == .unsupportedSchema)
        #expect(error.message.hasPrefix(test.fragment))
    }

    static let malformed: [RejectionCase] = [
        .init(#"[{"type": "string"}]"#, "the schema at $ must be a JSON object"),
        .init(#"{"type": "object", "properties": {"a": 5}}"#, "the schema at $.properties.a must be a JSON object"),
        .init(#"{"type": 5}"#, "'type' at $ must be a type name or a non-empty array of type names"),
        .init(#"{"type": []}"#, "'type' at $ must be a type name or a non-empty array of type names"),
        .init(#"{"type": ["string", 1]}"#, "'type' at $ must be a type name"),
        .init(#"{"type": "float"}"#, "'type' at $ names the unknown type 'float'"),
        .init(#"{"type": ["string", "string"]}"#, "'type' at $ lists 'string' twice"),
        .init(#"{"type": "object", "required": "a"}"#, "'required' at $ must be an array of property names"),
        .init(#"{"type": "object", "properties": {"a": {}}, "required": ["a", 1]}"#, "'required' at $ must be an array of property names"),
        .init(#"{"type": "object", "properties": []}"#, "'properties' at $ must be an object"),
        .init(#"{"type": "object", "additionalProperties": "no"}"#, "'additionalProperties' at $ must be a boolean or a schema"),
        .init(#"{"type": "array", "minItems": -1}"#, "'minItems' at $ must be a non-negative integer, not -1"),
        .init(#"{"type": "array", "maxItems": 1.5}"#, "'maxItems' at $ must be a non-negative integer, not 1.5"),
        .init(#"{"type": "array", "minItems": 3, "maxItems": 2}"#, "'minItems' (3) at $ is greater than 'maxItems' (2)"),
        .init(#"{"type": "array", "prefixItems": {}}"#, "'prefixItems' at $ must be an array of schemas"),
        .init(#"{"type": "string", "minLength": "3"}"#, "'minLength' at $ must be a non-negative integer"),
        .init(#"{"type": "string", "minLength": 4, "maxLength": 3}"#, "'minLength' (4) at $ is greater than 'maxLength' (3)"),
        .init(#"{"type": "integer", "minimum": "0"}"#, "'minimum' at $ must be a number"),
        .init(#"{"type": "integer", "exclusiveMinimum": true}"#, "'exclusiveMinimum' at $ must be a number between -2^53 and 2^53 (the draft-4 boolean form is not supported)"),
        .init(#"{"type": "integer", "maximum": 1e300}"#, "'maximum' at $ must be a number between -2^53 and 2^53"),
        .init(#"{"type": "integer", "minimum": 5, "maximum": 4}"#, "no integer at $ satisfies both"),
        .init(#"{"type": "integer", "exclusiveMinimum": 1, "exclusiveMaximum": 2}"#, "no integer at $ satisfies both"),
        .init(#"{"type": "string", "minimum": 1}"#, "the JSON Schema keyword 'minimum' at $ has no effect on \"type\": \"string\""),
        .init(#"{"type": "integer", "items": {}}"#, "the JSON Schema keyword 'items' at $ has no effect on \"type\": \"integer\""),
        .init(#"{"enum": []}"#, "'enum' at $ must be a non-empty array"),
        .init(#"{"enum": "a"}"#, "'enum' at $ must be a non-empty array"),
        .init(#"{"enum": [1, 1.0]}"#, "'enum' at $ lists 1 twice"),
        .init(#"{"type": "integer", "enum": [1, 2.5]}"#, "the 'enum' value 2.5 at $ is not of \"type\" integer"),
        .init(#"{"type": "string", "const": 1}"#, "the 'const' value 1 at $ is not of \"type\" string"),
        .init(#"{"anyOf": []}"#, "'anyOf' at $ must be a non-empty array of schemas"),
        .init(#"{"oneOf": {"type": "string"}}"#, "'oneOf' at $ must be a non-empty array of schemas"),
        .init(#"{"allOf": [{"enum": ["a"]}, {"enum": ["b"]}]}"#, "the enums in 'allOf' at $ have no value in common"),
        .init(#"{"$ref": 5}"#, "'$ref' at $ must be a string"),
        .init(##"{"$ref": "#/$defs/missing", "$defs": {}}"##, "the $ref '#/$defs/missing' at $ does not resolve: $.$defs has no 'missing'"),
        .init(##"{"anyOf": [{"type": "string"}, {"$ref": "#/anyOf/2"}]}"##, "the $ref '#/anyOf/2' at $.anyOf[1] does not resolve: $.anyOf has no '2'"),
        .init(#"{"$defs": []}"#, "'$defs' at $ must be an object"),
        .init(#"{"type": "string", "pattern": "^(a$"}"#, #"the 'pattern' "^(a$" at $ is not a valid regular expression: unbalanced parentheses"#),
        .init(#"{"type": "string", "pattern": "^a)$"}"#, #"the 'pattern' "^a)$" at $ is not a valid regular expression: unbalanced parentheses"#),
        .init(#"{"type": "string", "pattern": "^[ab$"}"#, "is not a valid regular expression: unterminated character class"),
        .init(#"{"type": "string", "pattern": "^*a$"}"#, "is not a valid regular expression: a quantifier has nothing to repeat"),
        .init(#"{"type": "string", "pattern": "^a{3,2}$"}"#, "is not a valid regular expression: {3,2} has a maximum below its minimum"),
        .init(#"{"type": "string", "pattern": 5}"#, "'pattern' at $ must be a string"),
        .init(#"{"type": "string", "format": 3}"#, "'format' at $ must be a string"),
        .init(#"{"type": "string", "nullable": "yes"}"#, "'nullable' at $ must be true or false"),
        .init(##"{"$ref": "#/$defs/a", "$defs": {"a": {"$ref": "#/$defs/a"}}}"##, "loops back to itself"),
        .init(##"{"$ref": "#/$defs/n", "$defs": {"n": {"anyOf": [{"$ref": "#/$defs/n"}, {"type": "string"}]}}}"##,
              "the schema at $.$defs.n loops back to itself ($.$defs.n -> $.$defs.n.anyOf[0] -> $.$defs.n)"),
        .init(##"{"$defs": {"a": {"anyOf": [{"$ref": "#/$defs/b"}, {"type": "null"}]}, "b": {"oneOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}"##, "loops back to itself"),
    ]

    @Test(arguments: malformed)
    func malformedSchemaIsInvalid(_ test: RejectionCase) throws {
        let error = try #require(schemaError(test.schema))
        #expect(error.code == .invalidSchema)
        #expect(error.message.contains(test.fragment), "\(error.message)")
    }

    @Test func schemaTextMustBeJSON() throws {
        let error = try #require(schemaError(#"{"type": "string""#))
        #expect(error.code == .invalidSchema)
        #expect(error.message.hasPrefix("the schema could not be read: "))
    }

    /// Schemas at the edge of the subset that the converter does enforce.
    static let accepted: [String] = [
        #"{"type": ["integer", "string"], "minimum": 0, "minLength": 1}"#,
        #"{"type": ["object", "null"], "properties": {"a": {"type": "string"}}, "required": ["a"]}"#,
        ##"{"type": "object", "allOf": [{"type": "object", "properties": {"a": {}}}, {"$ref": "#/$defs/b"}], "$defs": {"b": {"properties": {"b": {}}, "required": ["b"]}}}"##,
        #"{"type": "string", "allOf": [{"enum": ["a", "b"]}, {"type": "string", "enum": ["b"]}]}"#,
        #"{"allOf": [{"type": "object", "properties": {"a": {}}, "additionalProperties": true}], "additionalProperties": true}"#,
        #"{"additionalProperties": true}"#,
        #"{"type": "integer", "minimum": 1.5, "exclusiveMaximum": 2.5}"#,
        #"{"type": "string", "format": "uuid4", "nullable": false}"#,
        #"{"minLength": 1, "maxLength": 4}"#,
        #"{"type": "array", "prefixItems": []}"#,
        #"{"type": "string", "pattern": "^[\\x00-\\x1F\\u00e9\\-\\]\\\\\"]*$"}"#,
        ##"{"anyOf": [{"$ref": "#/$defs/a"}, {"$ref": "#/$defs/b"}], "$defs": {"a": {"type": "object", "properties": {"next": {"$ref": "#/$defs/b"}}}, "b": {"type": "array", "items": {"$ref": "#/$defs/a"}}}}"##,
    ]

    @Test(arguments: accepted)
    func schemaWithinTheSubsetIsAccepted(_ text: String) {
        #expect(throws: Never.self) { _ = try JSONSchema(text: text) }
    }

    @Test func openAIStyleToolSchemaIsAccepted() throws {
        let schema = try JSONSchema(text: #"""
        {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "City and country, e.g. Paris, France"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 14, "default": 3},
                "when": {"type": ["string", "null"], "format": "date"}
            },
            "required": ["location", "unit"],
            "additionalProperties": false
        }
        """#)
        #expect(schema.validate(["location": "Paris", "unit": "celsius", "days": 3, "when": nil]).isEmpty)
        #expect(schema.validate(["location": "Paris", "unit": "kelvin", "days": 30, "when": "soon"]).map(\.description) == [
            "$.days: must be at most 14, got 30",
            #"$.unit: must be one of "celsius", "fahrenheit", got string "kelvin""#,
            #"$.when: "soon" is not a valid date (like 2024-05-17)"#,
        ])
    }

    @Test func supportedKeywordsAreTheSubset() {
        #expect(JSONSchema.supportedKeywords == [
            "type", "nullable", "enum", "const", "$ref", "anyOf", "oneOf", "allOf",
            "properties", "required", "additionalProperties", "items", "prefixItems", "minItems", "maxItems",
            "minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
            "$defs", "definitions",
            "title", "description", "default", "examples", "$schema", "$id", "$comment", "deprecated", "readOnly", "writeOnly",
        ])
    }

    @Test func nullableIsRewrittenForTheGrammar() throws {
        let schema = try JSONSchema(text: #"{"type": "string", "nullable": true, "$defs": {"x": {"type": "null"}}}"#)
        #expect(schema.root == ["anyOf": [["type": "string"], ["type": "null"]], "$defs": ["x": ["type": "null"]]])
        #expect(!schema.validate(1).isEmpty)
    }

    @Test func schemasCompareByDocument() throws {
        let text = #"{"type": "object", "properties": {"a": {"type": "string", "pattern": "^a$"}}}"#
        #expect(try JSONSchema(text: text) == JSONSchema(text: text))
        #expect(try JSONSchema(text: text).hashValue == JSONSchema(text: text).hashValue)
        #expect(try JSONSchema(text: text) != JSONSchema(text: #"{"type": "string"}"#))
        #expect(try JSONSchema(text: text).root == JSONValue.parse(text))
    }
}
