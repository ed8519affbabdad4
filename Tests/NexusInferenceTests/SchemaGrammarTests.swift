import NexusCore
import NexusInference
import Testing

/// JSON Schema → GBNF conversion, checked by behaviour: for each schema, the instances the validator
/// accepts are sentences of the grammar, and the ones it rejects are not.
///
/// The schemas and instances come from llama.cpp's own tests (`test-grammar-integration.cpp` and
/// `test-json-schema-to-grammar.cpp`), adapted where our `JSONSchema` refuses a keyword the converter
/// would drop. Properties are declared in the order the grammar writes them (required ones, then
/// optional ones, each alphabetically), so the cases do not depend on how that order is chosen; that
/// it is not the declared order is itself a known mismatch.
///
/// The grammar matches text and the validator values, and the grammar is stricter by design in the
/// ways ``Strictness`` lists: each case names the valid instances the grammar refuses, and why. Every
/// other disagreement is a defect, kept as a known issue in ``Mismatch/all``.
@Suite("JSON Schema to grammar, checked against the validator")
struct SchemaGrammarTests {
    @Test("grammar and validator agree on llama.cpp's schema cases", arguments: SchemaCase.all)
    func grammarAgreesWithValidator(_ example: SchemaCase) throws {
        let document = try JSONValue.parse(example.schema)
        let schema = try JSONSchema(document)
        let grammar = try JSONSchemaGrammar.grammar(for: document)

        for text in example.accepted {
            #expect(schema.validate(try JSONValue.parse(text)) == [], "the validator should accept \(text)")
            #expect(try JSONSchemaGrammar.matches(grammar: grammar, text: text), "the grammar should accept \(text)")
        }
        for text in example.rejected {
            #expect(!schema.validate(try JSONValue.parse(text)).isEmpty, "the validator should reject \(text)")
            #expect(try !JSONSchemaGrammar.matches(grammar: grammar, text: text), "the grammar should reject \(text)")
        }
        for text in example.malformed {
            #expect(throws: NexusError.self, "\(text) should not be JSON") { try JSONValue.parse(text) }
            #expect(try !JSONSchemaGrammar.matches(grammar: grammar, text: text), "the grammar should reject \(text)")
        }
        for (strictness, texts) in example.stricter.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            for text in texts {
                #expect(schema.validate(try JSONValue.parse(text)) == [], "the validator should accept \(text)")
                #expect(try !JSONSchemaGrammar.matches(grammar: grammar, text: text),
                        "the grammar should reject \(text): \(strictness.rawValue)")
            }
        }
    }

    @Test("disagreements between grammar and validator beyond the grammar's documented strictness",
          arguments: Mismatch.all)
    func knownMismatch(_ mismatch: Mismatch) throws {
        let document = try JSONValue.parse(mismatch.schema)
        let schema = try JSONSchema(document)
        let grammar = try JSONSchemaGrammar.grammar(for: document)
        let grammarAccepts = try JSONSchemaGrammar.matches(grammar: grammar, text: mismatch.text)
        let validatorAccepts = (try? JSONValue.parse(mismatch.text)).map { schema.validate($0).isEmpty } ?? false
        withKnownIssue(Comment(rawValue: mismatch.defect)) {
            #expect(grammarAccepts == validatorAccepts,
                    "grammar accepts: \(grammarAccepts), JSON that validates: \(validatorAccepts), for \(mismatch.text)")
        }
    }

    @Test("properties keep their declared order in the grammar")
    func declaredOrder() throws {
        let schema = try JSONValue.parse(#"""
            {"type": "object", "properties": {"b": {"type": "string"}, "c": {"type": "string"}, "a": {"type": "string"}},
             "required": ["a", "b", "c"], "additionalProperties": false}
            """#)
        let grammar = try JSONSchemaGrammar.grammar(for: schema)
        #expect(try JSONSchemaGrammar.matches(grammar: grammar, text: #"{"b": "1", "c": "2", "a": "3"}"#))
        #expect(try !JSONSchemaGrammar.matches(grammar: grammar, text: #"{"a": "3", "b": "1", "c": "2"}"#))
    }

    @Test("schemas with a keyword the converter would drop are refused, naming it", arguments: RefusedSchema.unsupported)
    func unsupportedKeywordIsRefused(_ refused: RefusedSchema) throws {
        let document = try JSONValue.parse(refused.schema)
        let error = #expect(throws: NexusError.self) { try JSONSchema(document) }
        #expect(error?.code == .unsupportedSchema)
        #expect(error?.message.contains(refused.named) == true, "\(error?.message ?? "") should name \(refused.named)")
        let grammarError = #expect(throws: NexusError.self) { try JSONSchemaGrammar.grammar(for: document) }
        #expect(grammarError?.code == .unsupportedSchema)
    }

    @Test("malformed schemas are refused as invalid", arguments: RefusedSchema.invalid)
    func malformedSchemaIsRefused(_ refused: RefusedSchema) throws {
        let document = try JSONValue.parse(refused.schema)
        let error = #expect(throws: NexusError.self) { try JSONSchema(document) }
        #expect(error?.code == .invalidSchema)
        #expect(error?.message.contains(refused.named) == true, "\(error?.message ?? "") should say \(refused.named)")
        let grammarError = #expect(throws: NexusError.self) { try JSONSchemaGrammar.grammar(for: document) }
        #expect(grammarError?.code == .invalidSchema)
    }
}

/// Ways the grammar is deliberately stricter than JSON Schema: instances that validate but that the
/// grammar refuses. Generation never produces them; whatever the grammar produces still validates.
enum Strictness: String, Sendable {
    case propertyOrder = "the grammar writes properties in one order: the required ones, then the optional ones, then any others"
    case undeclaredProperties = "with 'properties' and no 'additionalProperties', the grammar allows no other property (llama.cpp: additional properties default to false for generation)"
    case impliedType = "without 'type', the grammar allows only the type its keywords imply ('items' an array, 'properties' an object, 'pattern' a string)"
    case exactTuple = "'prefixItems' without 'items' is a tuple of exactly that many items in the grammar"
    case allOfMergesStrictly = "'allOf' of object schemas becomes one object that requires every property and allows no other"
    case whitespace = "between tokens the grammar allows nothing, one space, or one or two newlines and up to 20 spaces or tabs; nothing before or after the value"
    case numberSpelling = "the grammar spells a number one way: an integer without fraction or exponent, at most 16 digits before the point and 16 after, no -0 against a bound at 0"
    case literalSpelling = "'enum' and 'const' values must be written as llama.cpp writes them: compact JSON, its escapes"
}

/// A schema and instances of each kind, as JSON text.
struct SchemaCase: Sendable, CustomTestStringConvertible {
    var name: String
    var schema: String
    /// Valid instances: the validator and the grammar both accept them.
    var accepted: [String] = []
    /// JSON that breaks the schema: both refuse it.
    var rejected: [String] = []
    /// Not JSON at all: the grammar refuses it.
    var malformed: [String] = []
    /// Valid instances the grammar refuses on purpose.
    var stricter: [Strictness: [String]] = [:]

    var testDescription: String { name }
}

/// One instance on which grammar and validator disagree, though they should not.
struct Mismatch: Sendable, CustomTestStringConvertible {
    var name: String
    var schema: String
    var text: String
    /// What goes wrong, precisely.
    var defect: String

    var testDescription: String { name }
}

/// A schema `JSONSchema` refuses, and the keyword or phrase its message names.
struct RefusedSchema: Sendable, CustomTestStringConvertible {
    var name: String
    var schema: String
    var named: String

    var testDescription: String { name }
}

// MARK: - Cases

extension SchemaCase {
    static let all: [SchemaCase] = integers + scalars + strings + arrays + objects + combinations

    /// `test_simple_grammar` in test-grammar-integration.cpp, and the ranges of test-json-schema-to-grammar.cpp.
    static let integers: [SchemaCase] = [
        SchemaCase(
            name: "integer, minimum 0", schema: #"{"type": "integer", "minimum": 0}"#,
            accepted: ["0", "10", "12", "10000"],
            rejected: ["-1", "-10", "-10000", "-100000000000000000000000000000000"],
            malformed: ["00", "01"],
            stricter: [.numberSpelling: ["-0", "100000000000000000000000000000000"]]),
        SchemaCase(
            name: "integer, minimum 2", schema: #"{"type": "integer", "minimum": 2}"#,
            accepted: ["2", "3", "4", "10", "20", "1234567890000000"],
            rejected: ["0", "1", "-1", "-100"],
            malformed: ["01", "02"],
            stricter: [.numberSpelling: ["12345678900000000"]]),
        SchemaCase(
            name: "integer, minimum 456", schema: #"{"type": "integer", "minimum": 456}"#,
            accepted: ["456", "4560", "457", "460", "500"],
            rejected: ["455", "356", "50", "-1", "-456"],
            malformed: ["050"]),
        SchemaCase(
            name: "integer, minimum -123", schema: #"{"type": "integer", "minimum": -123}"#,
            accepted: ["-123", "-122", "-11", "-1", "0", "1", "123", "1234", "2345"],
            rejected: ["-1234", "-124"]),
        SchemaCase(
            name: "integer, maximum 9999", schema: #"{"type": "integer", "maximum": 9999}"#,
            accepted: ["-99999", "0", "9999"],
            rejected: ["10000", "99991"]),
        SchemaCase(
            name: "integer, maximum -9999", schema: #"{"type": "integer", "maximum": -9999}"#,
            accepted: ["-10000", "-9999"],
            rejected: ["-9998", "0", "9999"]),
        SchemaCase(
            name: "integer, maximum -5", schema: #"{"type": "integer", "maximum": -5}"#,
            accepted: ["-5", "-6", "-100"],
            rejected: ["-4", "0", "5"]),
        SchemaCase(
            name: "integer, 5 to 30", schema: #"{"type": "integer", "minimum": 5, "maximum": 30}"#,
            accepted: ["5", "10", "30"],
            rejected: ["4", "-1", "31", "123"],
            malformed: ["05", "0123"]),
        SchemaCase(
            name: "integer, above 0 up to 900719925474091",
            schema: #"{"type": "integer", "exclusiveMinimum": 0, "maximum": 900719925474091}"#,
            accepted: ["1", "2", "10", "900719925474090", "900719925474091"],
            rejected: ["0", "900719925474092", "9007199254740910"],
            malformed: ["01"]),
        SchemaCase(
            name: "integer, -1 to 1", schema: #"{"type": "integer", "minimum": -1, "maximum": 1}"#,
            accepted: ["-1", "0", "1"],
            rejected: ["-11", "-10", "-2", "2", "10", "11"]),
        SchemaCase(
            name: "integer, -123 to 42", schema: #"{"type": "integer", "minimum": -123, "maximum": 42}"#,
            accepted: ["-123", "-122", "-13", "-11", "-2", "-1", "0", "1", "5", "10", "39", "40", "42"],
            rejected: ["-124", "-1123", "-200", "43", "123"],
            malformed: ["-0123", "0123"]),
        SchemaCase(
            name: "integer, -10 to 10", schema: #"{"type": "integer", "minimum": -10, "maximum": 10}"#,
            accepted: ["-10", "-9", "0", "9", "10"],
            rejected: ["-11", "11", "-100", "100"]),
        SchemaCase(
            name: "integer, 15 to 300", schema: #"{"type": "integer", "minimum": 15, "maximum": 300}"#,
            accepted: ["15", "99", "100", "299", "300"],
            rejected: ["14", "301", "1000", "-15"]),
        SchemaCase(
            name: "integer, strictly between 0 and 10000",
            schema: #"{"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10000}"#,
            accepted: ["1", "9999"],
            rejected: ["0", "10000", "99999"],
            malformed: ["01"]),
        SchemaCase(
            name: "integer, fractional bounds round inwards",
            schema: #"{"type": "integer", "minimum": -2.5, "maximum": 2.5}"#,
            accepted: ["-2", "0", "2"],
            rejected: ["-3", "3"]),
        SchemaCase(
            name: "integer, fractional exclusive bounds",
            schema: #"{"type": "integer", "exclusiveMinimum": -0.5, "exclusiveMaximum": 3.5}"#,
            accepted: ["0", "3"],
            rejected: ["-1", "4"]),
    ]

    /// Booleans, numbers, `const` and `enum` (test_json_schema).
    static let scalars: [SchemaCase] = [
        SchemaCase(
            name: "any value", schema: "{}",
            accepted: ["{}", #"{"foo": "bar"}"#, "[]", "null", "\"\"", "true"],
            malformed: ["", #"{"foo"}"#, "foo"]),
        SchemaCase(
            name: "a description only is any value", schema: #"{"description": "The 0-based index of the last line"}"#,
            accepted: ["1", #""x""#, "null", #"[{"a": []}]"#]),
        SchemaCase(
            name: "boolean", schema: #"{"type": "boolean"}"#,
            accepted: ["true", "false"],
            rejected: ["\"\"", #""true""#, "0", "null"],
            malformed: ["True", "FALSE"]),
        SchemaCase(
            name: "integer", schema: #"{"type": "integer"}"#,
            accepted: ["0", "-7", "12345", "1234567890123456", "-1234567890123456"],
            rejected: ["1.5", #""1""#, "true"],
            malformed: ["", "01", "007"],
            stricter: [.numberSpelling: ["12345678901234567", "1.0", "1e3"]]),
        SchemaCase(
            name: "number", schema: #"{"type": "number"}"#,
            accepted: ["0", "-0", "0.0", "-1.5", "12.50", "1e10", "2.5E-3", "1E+2"],
            rejected: [#""1""#, "null"],
            malformed: [".5", "1.", "+1", "NaN"],
            stricter: [.numberSpelling: ["0.12345678901234567"]]),
        SchemaCase(
            name: "string const", schema: #"{"const": "foo"}"#,
            accepted: [#""foo""#],
            rejected: [#""bar""#, #""Foo""#],
            malformed: ["foo"]),
        SchemaCase(
            name: "non-string const", schema: #"{"const": true}"#,
            accepted: ["true"],
            rejected: [#""true""#, "false"],
            malformed: ["", "foo"]),
        SchemaCase(
            name: "enum of mixed values", schema: #"{"enum": ["red", "amber", "green", null, 42, ["foo"]]}"#,
            accepted: [#""red""#, "null", "42", #"["foo"]"#],
            rejected: ["420", "true", #""blue""#, #"["foo", "bar"]"#],
            malformed: ["", "foo"],
            stricter: [.literalSpelling: [#"[ "foo" ]"#, "42.0"]]),
        SchemaCase(
            name: "enum of strings with a type", schema: #"{"type": "string", "enum": ["a", "b"]}"#,
            accepted: [#""a""#, #""b""#],
            rejected: [#""c""#, #""ab""#]),
        SchemaCase(
            name: "const string with escapes in a required property",
            schema: #"""
                {"type": "object", "title": "DecoderResponse", "required": ["code"],
                 "properties": {"code": {"const": " \r \n \" \\ ", "description": "Generated code", "title": "Code", "type": "string"}}}
                """#,
            accepted: [#"{"code": " \r \n \" \\ "}"#],
            rejected: [#"{"code": "x"}"#, "{}"],
            stricter: [.literalSpelling: [#"{"code": " \u000d \n \" \\ "}"#]]),
    ]

    /// Lengths, formats and patterns.
    static let strings: [SchemaCase] = [
        SchemaCase(
            name: "string", schema: #"{"type": "string"}"#,
            accepted: [#""foo""#, "\"\"", #""a\"b\\c""#, #""\u00e9""#, #""😀""#],
            rejected: ["{}", "1", "null"],
            malformed: [#""foo": "bar""#, #""unterminated"#]),
        SchemaCase(
            name: "string, at least 1 character", schema: #"{"type": "string", "minLength": 1}"#,
            accepted: [#""foo""#, #""bar""#],
            rejected: ["\"\"", "{}"],
            malformed: [#""foo": "bar""#]),
        SchemaCase(
            name: "string, at least 3 characters", schema: #"{"type": "string", "minLength": 3}"#,
            accepted: [#""foo""#, #""bar""#, #""foobar""#],
            rejected: ["\"\"", #""f""#, #""fo""#]),
        SchemaCase(
            name: "string, at most 3 characters (code points, escapes count once)",
            schema: #"{"type": "string", "maxLength": 3}"#,
            accepted: [#""foo""#, "\"\"", #""f""#, #""fo""#, #""éèà""#, #""a\"b""#, #""\u00e9ab""#, #""😀😀😀""#],
            rejected: [#""foobar""#, #""abcd""#]),
        SchemaCase(
            name: "string, 1 to 4 characters", schema: #"{"type": "string", "minLength": 1, "maxLength": 4}"#,
            accepted: [#""foo""#, #""bar""#, #""f""#, #""barf""#],
            rejected: ["\"\"", #""barfo""#, #""foobar""#]),
        SchemaCase(
            name: "date (no calendar check, as in the grammar)", schema: #"{"type": "string", "format": "date"}"#,
            accepted: [#""2012-04-23""#, #""2024-02-31""#],
            rejected: [#""2012-4-23""#, #""2012-13-01""#, #""2012-00-10""#, #""foo""#]),
        SchemaCase(
            name: "time (seconds and zone required)", schema: #"{"type": "string", "format": "time"}"#,
            accepted: [#""18:25:43.511Z""#, #""18:25:43Z""#, #""18:25:43+02:00""#],
            rejected: [#""18:25""#, #""24:00:00Z""#, #""18:25:43.5Z""#, #""18:25:43""#]),
        SchemaCase(
            name: "date-time", schema: #"{"type": "string", "format": "date-time"}"#,
            accepted: [#""2012-04-23T18:25:43.511Z""#, #""2012-04-23T18:25:43-05:30""#],
            rejected: [#""2012-04-23 18:25:43Z""#, #""2012-04-23""#]),
        SchemaCase(
            name: "uuid", schema: #"{"type": "string", "format": "uuid"}"#,
            accepted: [#""12345678-1234-1234-1234-1234567890ab""#, #""12345678-1234-1234-1234-1234567890AB""#],
            rejected: [#""12345678-1234-1234-1234-1234567890a""#, #""123456781234123412341234567890ab""#]),
        SchemaCase(
            name: "pattern without a type", schema: #"{"pattern": "^[a-zA-Z0-9_-]*$"}"#,
            accepted: ["\"\"", #""He_llo-12""#],
            rejected: [#""!""#, #""Hello World""#],
            stricter: [.impliedType: ["42"]]),
        SchemaCase(
            name: "pattern with escaped metacharacters",
            schema: #"{"pattern": "^a\\^\\$\\.\\[\\]\\(\\)\\|\\{\\}\\*\\+\\?b$"}"#,
            accepted: [#""a^$.[]()|{}*+?b""#],
            rejected: [#""ab""#]),
        SchemaCase(
            name: "pattern with optional, repeated and grouped parts",
            schema: #"{"type": "string", "pattern": "^abc?d*efg+(hij)?kl$"}"#,
            accepted: [#""abefgkl""#, #""abcdddefgggghijkl""#],
            rejected: [#""abefkl""#, #""abcefghij""#, #""abccdefgkl""#]),
        SchemaCase(
            name: "pattern with top-level alternation (anchors bind the whole alternation, as in the grammar)",
            schema: #"{"type": "string", "pattern": "^A|B|C|D$"}"#,
            accepted: [#""A""#, #""D""#],
            rejected: [#""AB""#, #""E""#, "\"\""]),
        SchemaCase(
            name: "pattern with counted repeats and any-character dots",
            schema: #"{"type": "string", "pattern": "^(\\([0-9]{1,3}\\))?[0-9]{3}-[0-9]{4} a{3,5}nd...$"}"#,
            accepted: [#""(12)345-6789 aaaandxyz""#, #""345-6789 aaandabc""#],
            rejected: [#""(1234)567-8901 aaand...""#, #""345-6789 aand...""#, #""345-6789 aaand..""#]),
        SchemaCase(
            name: "pattern with a non-capturing group", schema: #"{"type": "string", "pattern": "^(?:foo|bar)baz$"}"#,
            accepted: [#""foobaz""#, #""barbaz""#],
            rejected: [#""baz""#, #""foobarbaz""#]),
        SchemaCase(
            name: "pattern with nested non-capturing groups", schema: #"{"type": "string", "pattern": "^(?:(?:ab)+c)?d$"}"#,
            accepted: [#""d""#, #""abcd""#, #""ababcd""#],
            rejected: [#""abd""#, #""cd""#]),
        SchemaCase(
            name: "pattern with an escaped hyphen in a class", schema: #"{"type": "string", "pattern": "^[a-z\\-]+$"}"#,
            accepted: [#""a-b""#],
            rejected: [#""A""#, "\"\""]),
        SchemaCase(
            name: "pattern with an escaped hyphen outside a class", schema: #"{"type": "string", "pattern": "^a\\-b$"}"#,
            accepted: [#""a-b""#],
            rejected: [#""ab""#]),
    ]

    static let arrays: [SchemaCase] = [
        SchemaCase(
            name: "array or null, of strings", schema: #"{"type": ["array", "null"], "items": {"type": "string"}}"#,
            accepted: ["null", "[]", #"["123"]"#, #"["foo", "bar"]"#],
            rejected: ["[123]", #""foo""#, #"["foo", 42]"#],
            malformed: [""]),
        SchemaCase(
            name: "3 to 5 numbers, without a type",
            schema: #"{"items": {"type": ["number", "integer"]}, "minItems": 3, "maxItems": 5}"#,
            accepted: ["[1, 2, 3]", "[1, 2, 3, 4]", "[1, 2, 3, 4, 5]", "[1.5, -2, 3e2]"],
            rejected: ["[1, 2]", "[1, 2, 3, 4, 5, 6]", #"[1, 2, "3"]"#],
            stricter: [.impliedType: ["1"]]),
        SchemaCase(
            name: "at least 2 booleans", schema: #"{"items": {"type": "boolean"}, "minItems": 2}"#,
            accepted: ["[true, false]", "[true, true, false]"],
            rejected: ["[true]", "[]", "[true, 1]"],
            stricter: [.impliedType: [#""yes""#]]),
        SchemaCase(
            name: "no items", schema: #"{"type": "array", "items": {"type": "boolean"}, "maxItems": 0}"#,
            accepted: ["[]", "[ ]"],
            rejected: ["[true]"]),
        SchemaCase(
            name: "at most 2 booleans", schema: #"{"type": "array", "items": {"type": "boolean"}, "maxItems": 2}"#,
            accepted: ["[]", "[true]", "[true, false]"],
            rejected: ["[true, false, true]", "[1]"]),
        SchemaCase(
            name: "3 to 5 integers from -12 to 207",
            schema: #"{"type": "array", "items": {"type": "integer", "minimum": -12, "maximum": 207}, "minItems": 3, "maxItems": 5}"#,
            accepted: ["[-12, 0, 207]", "[1, 2, 3, 4, 5]"],
            rejected: ["[-13, 0, 0]", "[1, 2]", "[1, 2, 3, 4, 5, 6]", "[208, 1, 1]"]),
        SchemaCase(
            name: "array of anything", schema: #"{"type": "array", "items": {}}"#,
            accepted: ["[]", #"[1, "a", null, {"b": []}]"#],
            rejected: ["{}", #""[]""#]),
        SchemaCase(
            name: "tuple of a string and a number, without a type",
            schema: #"{"prefixItems": [{"type": "string"}, {"type": "number"}]}"#,
            accepted: [#"["a", 1]"#],
            rejected: [#"[1, "a"]"#, #"["a", "b"]"#],
            stricter: [.exactTuple: [#"["a"]"#, "[]", #"["a", 1, true]"#], .impliedType: ["{}"]]),
        SchemaCase(
            name: "tuple of one string", schema: #"{"type": "array", "prefixItems": [{"type": "string"}]}"#,
            accepted: [#"["x"]"#],
            rejected: ["[1]", #""x""#],
            stricter: [.exactTuple: ["[]", #"["x", "y"]"#]]),
        SchemaCase(
            name: "tuple of formatted strings",
            schema: #"{"prefixItems": [{"format": "date"}, {"format": "uuid"}, {"format": "time"}, {"format": "date-time"}]}"#,
            accepted: [#"["2012-04-23", "12345678-1234-1234-1234-1234567890ab", "18:25:43.511Z", "2012-04-23T18:25:43.511Z"]"#],
            rejected: [#"["foo", "bar"]"#, #"["12345678-1234-1234-1234-1234567890ab"]"#],
            stricter: [.exactTuple: [#"["2012-04-23"]"#]]),
    ]

    /// Properties as declared in json-schema.org's address example, which test_json_schema uses.
    private static let address = #"""
        "properties": {
            "number": {"type": "number"},
            "street_name": {"type": "string"},
            "street_type": {"enum": ["Street", "Avenue", "Boulevard"]}
        }
        """#

    static let objects: [SchemaCase] = [
        SchemaCase(
            name: "object with optional properties", schema: #"{"type": "object", \#(address)}"#,
            accepted: [
                #"{ "number": 1600, "street_name": "Pennsylvania", "street_type":"Avenue"}"#,
                #"{ "street_name": "Pennsylvania" }"#,
                #"{ "number": 1600, "street_name": "Pennsylvania" }"#,
                "{}",
                #"{ "number": 1600, "street_name": "Pennsylvania", "street_type": "Avenue" }"#,
            ],
            rejected: [
                #"{ "number": "1600", "street_name": "Pennsylvania", "street_type":"Avenue"}"#,
                #"{ "street_type": "Road" }"#,
            ],
            stricter: [
                .propertyOrder: [#"{ "street_name": "Pennsylvania", "number": 1600 }"#],
                .undeclaredProperties: [#"{ "number": 1600, "street_name": "Pennsylvania", "street_type":"Avenue", "direction":"NW"}"#],
            ]),
        SchemaCase(
            name: "object with optional properties and any others",
            schema: #"{"type": "object", \#(address), "additionalProperties": true}"#,
            accepted: [
                "{}",
                #"{"number":1600,"street_name":"Pennsylvania","street_type":"Avenue"}"#,
                #"{ "street_name": "Pennsylvania" }"#,
                #"{ "number": 1600, "street_name": "Pennsylvania", "street_type":"Avenue", "direction":"NW"}"#,
            ],
            rejected: [#"{ "number": "1600", "street_name": "Pennsylvania", "street_type":"Avenue"}"#],
            stricter: [.propertyOrder: [#"{ "street_name": "Pennsylvania", "number": 1600, "street_type":"Avenue"}"#]]),
        SchemaCase(
            name: "object with optional properties and no others",
            schema: #"{"type": "object", \#(address), "additionalProperties": false}"#,
            accepted: [
                #"{ "street_name": "Pennsylvania" }"#,
                #"{ "number": 1600, "street_type":"Avenue"}"#,
                #"{ "number": 1600, "street_name": "Pennsylvania", "street_type": "Avenue" }"#,
            ],
            rejected: [#"{ "number": 1600, "street_name": "Pennsylvania", "street_type": "Avenue", "direction": "NW" }"#],
            stricter: [.propertyOrder: [#"{ "street_type": "Avenue", "number": 1600 }"#]]),
        SchemaCase(
            name: "declared properties keep their types beside any others",
            schema: #"{"properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "additionalProperties": true}"#,
            accepted: [#"{"a": 42}"#, #"{"c": ""}"#, #"{"a": 42, "c": ""}"#, #"{"a_": ""}"#],
            rejected: [#"{"a": ""}"#, #"{"a": "", "b": ""}"#],
            malformed: [""],
            stricter: [.propertyOrder: [#"{"c": "", "a": 42}"#], .impliedType: ["[]"]]),
        SchemaCase(
            name: "required and optional properties, no others",
            schema: #"""
                {"properties": {"a": {"type": "string"}, "b": {"type": "string"}, "c": {"type": "string"}, "d": {"type": "string"}},
                 "required": ["a", "b"], "additionalProperties": false}
                """#,
            accepted: [#"{"a": "bar", "b": "foo"}"#, #"{"a":"bar","b":"foo","d":"qux"}"#, #"{"a":"foo", "b":"bar", "c":"baz", "d":"qux"}"#],
            rejected: [#"{"b": "bar"}"#, #"{"a": "foo", "c": "baz"}"#, #"{"a": "x", "b": "y", "e": "z"}"#, #"{"a": 1, "b": "y"}"#],
            stricter: [.propertyOrder: [#"{"b": "foo", "a": "bar"}"#, #"{"a": "x", "b": "y", "d": "w", "c": "z"}"#]]),
        SchemaCase(
            name: "product from json-schema.org's getting-started guide",
            schema: #"""
                {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.com/product.schema.json",
                 "title": "Product", "description": "A product from Acme's catalog", "type": "object",
                 "properties": {
                    "price": {"description": "The price of the product", "type": "number"},
                    "productId": {"description": "The unique identifier for a product", "type": "integer"},
                    "productName": {"description": "Name of the product", "type": "string"},
                    "dimensions": {"type": "object",
                        "properties": {"height": {"type": "number"}, "length": {"type": "number"}, "width": {"type": "number"}},
                        "required": ["height", "length", "width"]},
                    "tags": {"description": "Tags for the product", "type": "array", "items": {"type": "string"}, "minItems": 1}
                 },
                 "required": ["price", "productId", "productName"]}
                """#,
            accepted: [
                #"{"price": 12.50, "productId": 1, "productName": "A green door"}"#,
                #"{"price": 12.50, "productId": 1, "productName": "A green door", "tags": ["home", "green"]}"#,
                #"{"price": 12.50, "productId": 1, "productName": "A green door", "dimensions": {"height": -0.359, "length": 785, "width": 250.5}, "tags": ["home", "green"]}"#,
            ],
            rejected: [
                "{}",
                #"{"productId": 1, "productName": "A green door"}"#,
                #"{"price": 12.50, "productName": "A green door"}"#,
                #"{"price": 12.50, "productId": 1, "productName": "A green door", "tags": []}"#,
                #"{"price": 12.50, "productId": 1, "productName": "A green door", "dimensions": {"length": 785, "width": 250.5}}"#,
            ],
            stricter: [.propertyOrder: [
                #"{"productName": "A green door", "price": 12.50, "productId": 1}"#,
                #"{"price": 12.50, "productId": 1, "productName": "A green door", "tags": ["home", "green"], "dimensions": {"height": -0.359, "length": 785, "width": 250.5}}"#,
            ]]),
        SchemaCase(
            name: "object whose values are arrays of numbers",
            schema: #"{"type": "object", "additionalProperties": {"type": "array", "items": {"type": "number"}}}"#,
            accepted: ["{}", #"{"a": [1, 2.5]}"#, #"{"a": [], "b": [-1]}"#],
            rejected: [#"{"a": 1}"#, #"{"a": ["x"]}"#, "[]"]),
        SchemaCase(
            name: "any object", schema: #"{"type": "object"}"#,
            accepted: ["{}", "{ }", #"{"a": 1, "b": [null]}"#, "{\n  \"a\": 1\n}", #"{"a":1 }"#],
            rejected: ["[]", #""x""#],
            stricter: [.whitespace: [#"{"a":  1}"#, "{\n\n\n\"a\": 1}", " {}"]]),
        SchemaCase(
            name: "empty object", schema: #"{"type": "object", "additionalProperties": false}"#,
            accepted: ["{}"],
            rejected: [#"{"a": 1}"#, "[]"]),
        SchemaCase(
            name: "a required property and string-valued others",
            schema: #"{"type": "object", "properties": {"a": {"type": "number"}}, "required": ["a"], "additionalProperties": {"type": "string"}}"#,
            accepted: [#"{"a": 1}"#, #"{"a": 1, "b": "x"}"#],
            rejected: ["{}", #"{"a": 1, "b": 2}"#, #"{"b": "x"}"#],
            stricter: [.propertyOrder: [#"{"b": "x", "a": 1}"#]]),
        SchemaCase(
            name: "required, optional and number-valued other properties",
            schema: #"""
                {"type": "object", "properties": {"and": {"type": "number"}, "also": {"type": "number"}},
                 "required": ["and"], "additionalProperties": {"type": "number"}}
                """#,
            accepted: [#"{"and": 1}"#, #"{"and": 1, "also": 2}"#, #"{"and": 1, "also": 2, "x": 3}"#, #"{"and": 1, "x": 3}"#],
            rejected: [#"{"also": 2}"#, #"{"and": 1, "x": "y"}"#],
            stricter: [.propertyOrder: [#"{"also": 2, "and": 1}"#]]),
        SchemaCase(
            name: "property names nested in each other",
            schema: #"{"properties": {"a": {"type": "integer"}, "aa": {"type": "integer"}}, "additionalProperties": {"type": "integer"}}"#,
            accepted: [#"{"a": 1, "aa": 2}"#, #"{"aaa": 3}"#, #"{"aa": 2}"#, #"{"b": 1}"#],
            rejected: [#"{"aa": "x"}"#, #"{"aaa": "x"}"#]),
        SchemaCase(
            name: "property names with a common prefix",
            schema: #"{"properties": {"ab": {"type": "integer"}, "ac": {"type": "integer"}}, "additionalProperties": {"type": "integer"}}"#,
            accepted: [#"{"ab": 1, "ac": 2}"#, #"{"ad": 4}"#, #"{"ac": 2}"#, #"{"abc": 5}"#],
            rejected: [#"{"ab": "x"}"#, #"{"ad": "x"}"#]),
        SchemaCase(
            name: "the same property name at three depths",
            schema: #"""
                {"type": "object", "required": ["number"], "additionalProperties": false, "definitions": {},
                 "properties": {"number": {"type": "object", "required": ["number"], "additionalProperties": false,
                    "properties": {"number": {"type": "object", "required": ["root"], "additionalProperties": false,
                        "properties": {"root": {"type": "number"}}}}}}}
                """#,
            accepted: [#"{"number": {"number": {"root": 1.5}}}"#],
            rejected: [#"{"number": {"number": {}}}"#, #"{"number": {"root": 1}}"#]),
    ]

    /// `$ref`, `anyOf`, `oneOf`, `allOf`, type arrays and `nullable`.
    static let combinations: [SchemaCase] = [
        SchemaCase(
            name: "top-level $ref",
            schema: #"""
                {"$ref": "#/definitions/foo", "definitions": {"foo": {"type": "object", "properties": {"a": {"type": "string"}},
                 "required": ["a"], "additionalProperties": false}}}
                """#,
            accepted: [#"{"a": "x"}"#],
            rejected: ["{}", #"{"a": 1}"#, #"{"a": "x", "b": "y"}"#]),
        SchemaCase(
            name: "anyOf with a $ref into another anyOf",
            schema: #"""
                {"type": "object", "properties": {
                    "a": {"anyOf": [{"type": "string"}, {"type": "number"}]},
                    "b": {"anyOf": [{"$ref": "#/properties/a/anyOf/0"}, {"type": "boolean"}]}}}
                """#,
            accepted: [#"{"a": "x", "b": true}"#, #"{"a": 1.5, "b": "y"}"#, "{}"],
            rejected: [#"{"a": null}"#, #"{"b": 1}"#]),
        SchemaCase(
            name: "anyOf of object $refs",
            schema: #"""
                {"anyOf": [{"$ref": "#/definitions/foo"}, {"$ref": "#/definitions/bar"}],
                 "definitions": {"foo": {"properties": {"a": {"type": "number"}}}, "bar": {"properties": {"b": {"type": "number"}}}}}
                """#,
            accepted: [#"{"a": 1}"#, #"{"b": 2}"#, "{}"],
            rejected: [#"{"a": "x", "b": "y"}"#],
            stricter: [.undeclaredProperties: [#"{"a": "x"}"#, #"{"a": 1, "b": 2}"#], .impliedType: ["[]"]]),
        SchemaCase(
            name: "oneOf of disjoint types", schema: #"{"oneOf": [{"type": "string"}, {"type": "integer"}]}"#,
            accepted: [#""x""#, "5"],
            rejected: ["true", "5.5"]),
        SchemaCase(
            name: "allOf of object $refs",
            schema: #"""
                {"type": "object", "allOf": [{"$ref": "#/definitions/foo"}, {"$ref": "#/definitions/bar"}],
                 "definitions": {"foo": {"properties": {"a": {"type": "number"}}}, "bar": {"properties": {"b": {"type": "number"}}}}}
                """#,
            accepted: [#"{"a": 1, "b": 2}"#],
            rejected: [#"{"a": "x", "b": 2}"#, #"{"a": 1, "b": null}"#],
            stricter: [
                .allOfMergesStrictly: ["{}", #"{"a": 1}"#, #"{"a": 1, "b": 2, "c": 3}"#],
                .propertyOrder: [#"{"b": 2, "a": 1}"#],
            ]),
        SchemaCase(
            name: "allOf with one enum",
            schema: ##"{"allOf": [{"$ref": "#/definitions/foo"}], "definitions": {"foo": {"type": "string", "enum": ["a", "b"]}}}"##,
            accepted: [#""a""#, #""b""#],
            rejected: [#""c""#]),
        SchemaCase(
            name: "allOf of enums intersects them",
            schema: #"""
                {"allOf": [{"$ref": "#/definitions/foo"}, {"$ref": "#/definitions/bar"}],
                 "definitions": {"foo": {"type": "string", "enum": ["a", "b", "c"]}, "bar": {"type": "string", "enum": ["b", "c", "d"]}}}
                """#,
            accepted: [#""b""#, #""c""#],
            rejected: [#""a""#, #""d""#]),
        SchemaCase(
            name: "string or null", schema: #"{"type": ["string", "null"]}"#,
            accepted: [#""x""#, "null"],
            rejected: ["1", "[]"]),
        SchemaCase(
            name: "non-negative integer or null", schema: #"{"type": ["integer", "null"], "minimum": 0}"#,
            accepted: ["null", "0", "5"],
            rejected: ["-1", "1.5", #""5""#]),
        SchemaCase(
            name: "nullable short string", schema: #"{"type": "string", "nullable": true, "maxLength": 3}"#,
            accepted: ["null", #""abc""#],
            rejected: [#""abcd""#, "1"]),
        SchemaCase(
            name: "nullable required property",
            schema: #"{"type": "object", "properties": {"email": {"type": "string", "nullable": true}}, "required": ["email"]}"#,
            accepted: [#"{"email": null}"#, #"{"email": "a@b"}"#],
            rejected: [#"{"email": 1}"#, "{}"]),
        SchemaCase(
            name: "recursive tree through $defs",
            schema: #"""
                {"$ref": "#/$defs/node", "$defs": {"node": {"type": "object", "required": ["value"], "additionalProperties": false,
                 "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}}}
                """#,
            accepted: [#"{"value": 1}"#, #"{"value": 1, "children": [{"value": 2}, {"value": 3, "children": []}]}"#],
            rejected: [#"{"value": 1, "children": [{}]}"#, #"{"value": "x"}"#, #"{"value": 1, "children": [{"value": 2, "extra": 0}]}"#],
            stricter: [.propertyOrder: [#"{"children": [], "value": 1}"#]]),
        SchemaCase(
            name: "recursive list through definitions and anyOf",
            schema: #"""
                {"$ref": "#/definitions/list", "definitions": {"list": {"type": "object", "required": ["head", "tail"],
                 "additionalProperties": false,
                 "properties": {"head": {"type": "integer"}, "tail": {"anyOf": [{"$ref": "#/definitions/list"}, {"type": "null"}]}}}}}
                """#,
            accepted: [#"{"head": 1, "tail": null}"#, #"{"head": 1, "tail": {"head": 2, "tail": null}}"#],
            rejected: [#"{"head": 1}"#, #"{"head": 1, "tail": {"head": "x", "tail": null}}"#, #"{"head": 1, "tail": 2}"#]),
    ]
}

// MARK: - Known mismatches

extension Mismatch {
    static let all: [Mismatch] = [
        Mismatch(
            name: "oneOf whose alternatives overlap",
            schema: #"{"oneOf": [{"type": "number"}, {"type": "integer"}]}"#, text: "5",
            defect: "the grammar treats oneOf as anyOf and accepts 5, which matches both alternatives, so the validator rejects it; the checker accepts the schema"),
        Mismatch(
            name: "pattern matching a quote: the value",
            schema: #"{"type": "string", "pattern": "^\"$"}"#, text: #""\"""#,
            defect: "pattern rules match the raw text between the quotes, not the decoded string: the string \" validates, but the grammar refuses its only spelling \"\\\"\""),
        Mismatch(
            name: "pattern matching a quote: the grammar's text",
            schema: #"{"type": "string", "pattern": "^\"$"}"#, text: "\"\"\"",
            defect: "the grammar accepts \"\"\" (an unescaped quote inside the string), which is not JSON"),
        Mismatch(
            name: "pattern with a dot: an unescaped quote",
            schema: #"{"type": "string", "pattern": "^.$"}"#, text: "\"\"\"",
            defect: "'.' becomes [^\\n\\r] over raw text, so the grammar accepts \"\"\", which is not JSON"),
        Mismatch(
            name: "pattern with a dot: a lone backslash",
            schema: #"{"type": "string", "pattern": "^.$"}"#, text: #""\""#,
            defect: "the grammar accepts \"\\\" (a backslash escaping the closing quote), which is not JSON"),
        Mismatch(
            name: "pattern with a dot: an escaped quote",
            schema: #"{"type": "string", "pattern": "^.$"}"#, text: #""\"""#,
            defect: "the one-character string \" validates, but its spelling \\\" is two characters of raw text, so the grammar refuses it"),
        Mismatch(
            name: "pattern matching a backslash: the grammar's text",
            schema: #"{"type": "string", "pattern": "^a\\\\b$"}"#, text: #""a\b""#,
            defect: "the grammar accepts \"a\\b\", which JSON reads as a + backspace, and that fails the pattern"),
        Mismatch(
            name: "pattern matching a backslash: the value",
            schema: #"{"type": "string", "pattern": "^a\\\\b$"}"#, text: #""a\\b""#,
            defect: "the string a\\b validates, but the grammar refuses its spelling \"a\\\\b\" (it wants a raw backslash)"),
        Mismatch(
            name: "undeclared property that is a common prefix of declared ones",
            schema: #"{"properties": {"ab": {"type": "integer"}, "ac": {"type": "integer"}}, "additionalProperties": {"type": "integer"}}"#,
            text: #"{"a": 3}"#,
            defect: "the rule for other property names excludes every name that starts like a declared one, and also refuses \"a\" itself, a valid other property"),
        Mismatch(
            name: "escaped surrogate pair counts twice for minLength",
            schema: #"{"type": "string", "minLength": 2}"#, text: #""\ud83d\ude00""#,
            defect: "the grammar counts each \\u escape as a character, so it accepts this one-character string (one emoji) as two, and the validator rejects it"),
        Mismatch(
            name: "escaped surrogate pair counts twice for maxLength",
            schema: #"{"type": "string", "maxLength": 1}"#, text: #""\ud83d\ude00""#,
            defect: "the grammar counts the escaped pair as two characters and refuses this valid one-character string"),
    ]
}

// MARK: - Refused schemas

extension RefusedSchema {
    /// llama.cpp cases (and neighbours) that rely on keywords the converter ignores.
    static let unsupported: [RefusedSchema] = [
        RefusedSchema(name: "a property named \"\" (its rule would clash with the root rule)",
                      schema: #"{"type": "object", "properties": {"": {"type": "integer"}}}"#, named: "'properties'"),
        RefusedSchema(name: "minimum on a number", schema: #"{"type": "number", "minimum": 0}"#, named: "'minimum'"),
        RefusedSchema(name: "exclusiveMinimum on a number (the product's price)",
                      schema: #"{"type": "object", "properties": {"price": {"type": "number", "exclusiveMinimum": 0}}}"#,
                      named: "'exclusiveMinimum'"),
        RefusedSchema(name: "maximum on a number", schema: #"{"type": "number", "maximum": 1}"#, named: "'maximum'"),
        RefusedSchema(name: "uniqueItems (the product's tags)",
                      schema: #"{"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": true}"#,
                      named: "'uniqueItems'"),
        RefusedSchema(name: "items as an array of schemas (exotic formats list)",
                      schema: #"{"items": [{"format": "date"}, {"format": "uuid"}, {"format": "time"}, {"format": "date-time"}]}"#,
                      named: "'items'"),
        RefusedSchema(name: "items beside prefixItems",
                      schema: #"{"type": "array", "items": {}, "prefixItems": [{"type": "string"}]}"#, named: "'prefixItems'"),
        RefusedSchema(name: "minItems beside prefixItems",
                      schema: #"{"prefixItems": [{"type": "string"}], "minItems": 1}"#, named: "'minItems'"),
        RefusedSchema(name: "unanchored pattern", schema: #"{"type": "string", "pattern": "[0-9]+"}"#, named: "'pattern'"),
        RefusedSchema(name: "pattern with \\w", schema: #"{"type": "string", "pattern": "^[0-9]{3}\\w$"}"#, named: "'pattern'"),
        RefusedSchema(name: "pattern with a lookahead, in a property",
                      schema: #"{"type": "object", "properties": {"a": {"type": "string", "pattern": "^(?=a)a$"}}, "required": ["a"]}"#,
                      named: "'pattern'"),
        RefusedSchema(name: "minLength beside pattern", schema: #"{"type": "string", "pattern": "^a+$", "minLength": 2}"#, named: "'minLength'"),
        RefusedSchema(name: "maxLength beside format", schema: #"{"type": "string", "format": "date", "maxLength": 10}"#, named: "'maxLength'"),
        RefusedSchema(name: "unknown format", schema: #"{"type": "string", "format": "email"}"#, named: "'format'"),
        RefusedSchema(name: "patternProperties",
                      schema: #"{"type": "object", "patternProperties": {"^x": {"type": "string"}}}"#, named: "'patternProperties'"),
        RefusedSchema(name: "type beside anyOf",
                      schema: #"""
                          {"type": "object", "anyOf": [{"$ref": "#/definitions/foo"}, {"$ref": "#/definitions/bar"}],
                           "definitions": {"foo": {"properties": {"a": {"type": "number"}}}, "bar": {"properties": {"b": {"type": "number"}}}}}
                          """#,
                      named: "'type'"),
        RefusedSchema(name: "allOf holding an anyOf (tsconfig-like)",
                      schema: #"""
                          {"type": "object",
                           "allOf": [{"$ref": "#/definitions/foo"}, {"$ref": "#/definitions/bar"},
                                     {"anyOf": [{"$ref": "#/definitions/baz"}, {"$ref": "#/definitions/bam"}]}],
                           "definitions": {"foo": {"properties": {"a": {"type": "number"}}}, "bar": {"properties": {"b": {"type": "number"}}}, "bam": {"properties": {"c": {"type": "number"}}}, "baz": {"properties": {"d": {"type": "number"}}}}}
                          """#,
                      named: "'allOf'"),
        RefusedSchema(name: "allOf beside properties",
                      schema: #"{"type": "object", "properties": {"a": {"type": "string"}}, "allOf": [{"properties": {"b": {"type": "string"}}}]}"#,
                      named: "'allOf'"),
        RefusedSchema(name: "minLength beside enum", schema: #"{"enum": ["a", "bb"], "minLength": 2}"#, named: "'minLength'"),
        RefusedSchema(name: "both minimum and exclusiveMinimum",
                      schema: #"{"type": "integer", "minimum": 0, "exclusiveMinimum": 0}"#, named: "'exclusiveMinimum'"),
        RefusedSchema(name: "required property that is not declared",
                      schema: #"{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]}"#, named: "'required'"),
        RefusedSchema(name: "$ref to the whole document",
                      schema: ##"{"type": "object", "properties": {"next": {"$ref": "#"}}}"##, named: "'$ref'"),
        RefusedSchema(name: "boolean schema", schema: #"{"type": "array", "items": true}"#, named: "boolean schema"),
        RefusedSchema(name: "not", schema: #"{"not": {"type": "null"}}"#, named: "'not'"),
        RefusedSchema(name: "contains", schema: #"{"type": "array", "contains": {"type": "integer"}}"#, named: "'contains'"),
        RefusedSchema(name: "minProperties", schema: #"{"type": "object", "minProperties": 1}"#, named: "'minProperties'"),
        RefusedSchema(name: "multipleOf", schema: #"{"type": "integer", "multipleOf": 2}"#, named: "'multipleOf'"),
        RefusedSchema(name: "if/then", schema: #"{"if": {"type": "string"}, "then": {"minLength": 1}}"#, named: "'if'"),
    ]

    /// llama.cpp's failure cases, and schemas no instance could satisfy.
    static let invalid: [RefusedSchema] = [
        RefusedSchema(name: "unknown type", schema: #"{"type": "kaboom"}"#, named: "unknown type 'kaboom'"),
        RefusedSchema(name: "type that is not a name", schema: #"{"type": 123}"#, named: "'type' at $ must be a type name"),
        RefusedSchema(name: "pattern with unbalanced parentheses", schema: #"{"type": "string", "pattern": "^(a$"}"#,
                      named: "unbalanced parentheses"),
        RefusedSchema(name: "prefixItems that is a schema, not an array", schema: #"{"type": "array", "prefixItems": {"type": "string"}}"#,
                      named: "'prefixItems' at $ must be an array"),
        RefusedSchema(name: "$ref that does not resolve", schema: ##"{"$ref": "#/definitions/missing", "definitions": {}}"##,
                      named: "does not resolve"),
        RefusedSchema(name: "integer bounds that cross", schema: #"{"type": "integer", "minimum": 5, "maximum": 1}"#,
                      named: "no integer"),
        RefusedSchema(name: "lengths that cross", schema: #"{"type": "string", "minLength": 4, "maxLength": 2}"#,
                      named: "is greater than"),
    ]
}
