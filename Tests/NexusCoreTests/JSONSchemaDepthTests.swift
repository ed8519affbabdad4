import NexusCore
import Testing

/// Schemas come from callers (`tools`, `format`, `response_format`): however their `$ref`s chain,
/// checking and validating them must end in an error or a violation, never a stack overflow.
@Suite struct JSONSchemaDepthTests {
    /// `$defs` named `a00000`… where each definition is `link(next)`, and the last is a string.
    private static func chain(_ count: Int, reversed: Bool = false, link: (String) -> JSONValue) -> JSONObject {
        var definitions = JSONObject()
        for index in 0..<count {
            let next = reversed ? index - 1 : index + 1
            let name = String(format: "a%06d", index)
            let target = "#/$defs/" + String(format: "a%06d", next)
            definitions[name] = (next < 0 || next >= count) ? ["type": "string"] : link(target)
        }
        return definitions
    }

    @Test(arguments: [false, true])
    func aLongChainOfRefsIsRefusedNotOverflowed(reversed: Bool) {
        // 20,000 definitions, each only a $ref to the next. Before, checking followed the chain one
        // stack frame per link (or, entered from the far end, the loop check did).
        let definitions = Self.chain(20_000, reversed: reversed) { ["$ref": .string($0)] }
        let start = reversed ? "#/$defs/a019999" : "#/$defs/a000000"
        let error = #expect(throws: NexusError.self) { try JSONSchema(["$defs": .object(definitions), "$ref": .string(start)]) }
        #expect(error?.code == .invalidSchema)
        #expect(error?.message.contains("chain of more than 32") == true || error?.message.contains("more than 256 schemas deep") == true)
    }

    @Test func aLongChainThatDescendsThroughItemsIsRefused() {
        let definitions = Self.chain(20_000) { ["type": "array", "items": ["$ref": .string($0)]] }
        let error = #expect(throws: NexusError.self) { try JSONSchema(["$defs": .object(definitions), "$ref": "#/$defs/a000000"]) }
        #expect(error?.message.contains("more than 256 schemas deep") == true)
    }

    @Test func validatingADeepValueAgainstARecursiveSchemaFailsClosed() throws {
        // Legal: 15 anyOf links (30 steps of the 32 allowed), then an array whose items start over.
        // Each level of a 120-deep instance walks all 15, about 1,900 schemas in one walk: more
        // than the validator allows.
        var definitions = Self.chain(15) { ["anyOf": [["$ref": .string($0)]]] }
        definitions["a000014"] = ["type": "array", "items": ["$ref": "#/$defs/a000000"]]
        let schema = try JSONSchema(["$defs": .object(definitions), "$ref": "#/$defs/a000000"])
        var instance: JSONValue = []
        for _ in 0..<120 { instance = [instance] }
        let violations = schema.validate(instance)
        #expect(violations.count == 1)
        #expect(violations.first?.message.contains("nested too deeply to check") == true)
        #expect(schema.validate([[[]]]).isEmpty)
    }
}
