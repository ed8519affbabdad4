import NexusCore
import Testing

@Suite("JSONValue")
struct JSONValueTests {
    @Test("parses and prints JSON with sorted keys and integers kept whole")
    func roundTrip() throws {
        let value = try JSONValue.parse(#"{"b": [1, 2.5, true, null], "a": "x"}"#)
        #expect(value == ["a": "x", "b": [1, 2.5, true, nil]])
        #expect(value.jsonText == #"{"a":"x","b":[1,2.5,true,null]}"#)
    }

    @Test("bad JSON is an invalidJSON error, not a crash")
    func badJSON() {
        #expect { try JSONValue.parse("{\"a\": ") } throws: { ($0 as? NexusError)?.code == .invalidJSON }
    }
}
