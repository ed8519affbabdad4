import Foundation
import NexusCore
import Testing

/// Hostile JSON shapes are refused with one clear error wherever a document enters or leaves a
/// `JSONValue`: the parser, `Codable` decoding and `Codable` encoding all keep to `maximumDepth`.
@Suite struct JSONDepthTests {
    private static func nestedArrays(_ depth: Int) -> String {
        String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }

    private static func nestedValue(_ depth: Int) -> JSONValue {
        var value: JSONValue = .array([])
        for level in 1..<depth { value = level.isMultiple(of: 2) ? .array([value]) : .object(["a": value]) }
        return value
    }

    @Test func theParserAcceptsTheMaximumDepthAndRefusesOneLevelMore() throws {
        let deepest = JSONValue.maximumDepth
        #expect(throws: Never.self) { try JSONValue.parse(Self.nestedArrays(deepest)) }
        let error = #expect(throws: NexusError.self) { try JSONValue.parse(Self.nestedArrays(deepest + 1)) }
        #expect(error?.code == .invalidJSON)
        #expect(error?.message.contains("nest deeper than \(deepest) levels") == true)
    }

    @Test func aMillionOpenBracketsAreRefusedNotOverflowed() {
        let text = String(repeating: "[{\"a\":", count: 500_000)
        let error = #expect(throws: NexusError.self) { try JSONValue.parse(text) }
        #expect(error?.message.contains("nest deeper than") == true)
    }

    @Test func codableDecodingRefusesWhatTheParserRefuses() throws {
        // Foundation's JSONDecoder alone would accept 512 levels.
        let tooDeep = Data(Self.nestedArrays(JSONValue.maximumDepth + 50).utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(JSONValue.self, from: tooDeep) }
        let atTheLimit = Data(Self.nestedArrays(JSONValue.maximumDepth).utf8)
        #expect(try JSONDecoder().decode(JSONValue.self, from: atTheLimit) == JSONValue.parse(atTheLimit))
    }

    @Test func codableEncodingRefusesAValueBuiltDeeperThanTheLimit() throws {
        let tooDeep = Self.nestedValue(JSONValue.maximumDepth + 50)
        #expect(throws: EncodingError.self) { try JSONEncoder().encode(tooDeep) }
        let error = #expect(throws: NexusError.self) { try JSONValue(encoding: ["state": tooDeep]) }
        #expect(error?.code == .invalidJSON)
        let fine = Self.nestedValue(JSONValue.maximumDepth - 2)
        #expect(try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(fine)) == fine)
    }

    @Test func codableStillReadsObjectsInsideArraysAndBack() throws {
        let value: JSONValue = ["list": [["name": "a", "n": 1], [true, nil, 2.5]], "empty": [:]]
        let decoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
        #expect(decoded == value)
    }

    @Test(arguments: ["1e999", "-1e400", "[1, 2e308]", #"{"a": 123456789e301}"#])
    func numbersBeyondADoubleAreRefusedNotReadAsInfinity(text: String) {
        // Read as infinity they printed back as null: a document that changed when echoed.
        let error = #expect(throws: NexusError.self) { try JSONValue.parse(text) }
        #expect(error?.message.contains("a number is out of range") == true)
    }
}
