import NexusCore
import Testing

@Suite("JSONValue")
struct JSONValueTests {
    @Test("parses and prints JSON keeping member order and whole integers")
    func roundTrip() throws {
        let value = try JSONValue.parse(#"{"b": [1, 2.5, true, null], "a": "x"}"#)
        #expect(value == ["a": "x", "b": [1, 2.5, true, nil]])
        #expect(value.jsonText == #"{"b":[1,2.5,true,null],"a":"x"}"#)
        #expect(value.objectValue?.keys == ["b", "a"])
    }

    @Test("equality ignores member order, as JSON does")
    func orderFreeEquality() throws {
        #expect(try JSONValue.parse(#"{"a":1,"b":2}"#) == JSONValue.parse(#"{"b":2,"a":1}"#))
    }

    @Test("strings round-trip escapes and non-ASCII text", arguments: [
        #""line\nbreak \"quoted\" \\ tab\t é 😀""#, #""\u00e9\ud83d\ude00""#, #""\u0001""#,
    ])
    func strings(text: String) throws {
        let value = try JSONValue.parse(text)
        #expect(try JSONValue.parse(value.jsonText) == value)
    }

    @Test("a surrogate pair decodes to one character")
    func surrogatePair() throws {
        #expect(try JSONValue.parse(#""\ud83d\ude00""#) == "😀")
    }

    @Test("bad JSON is an invalidJSON error naming the place", arguments: [
        "{\"a\": ", "[1, 2", "01", "{\"a\" 1}", "\"unterminated", "tru", "[1,]", "{} extra", "\"a\u{01}b\"",
    ])
    func badJSON(text: String) {
        #expect { try JSONValue.parse(text) } throws: { error in
            let error = error as? NexusError
            return error?.code == .invalidJSON && error?.message.contains("at byte") == true
        }
    }

    @Test("setting a member to nil removes it and keeps the rest in order")
    func objectEditing() {
        var object: JSONObject = ["z": 1, "y": 2, "x": 3]
        object["y"] = nil
        object["w"] = 4
        #expect(object.keys == ["z", "x", "w"])
        #expect(JSONValue.object(object).jsonText == #"{"z":1,"x":3,"w":4}"#)
    }
}
