import NexusCore
import NexusInference
import Testing

@Suite struct ToolCallMarkupTests {
    @Test func textWithoutMarkupIsAllContent() throws {
        let parsed = try ToolCallMarkup.parse("  The answer is 42.\n")
        #expect(parsed.content == "The answer is 42.")
        #expect(parsed.toolCalls.isEmpty)
    }

    @Test func readsOneCallAndKeepsTheSurroundingText() throws {
        let text = """
        Let me check.
        <tool_call>
        {"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}
        </tool_call>
        """
        let parsed = try ToolCallMarkup.parse(text)
        #expect(parsed.content == "Let me check.")
        #expect(parsed.toolCalls == [ToolCall(id: "call_1", name: "get_weather", arguments: ["city": "Paris", "days": 2])])
    }

    @Test func readsSeveralCallsInOrderWithNumberedIDs() throws {
        let text = """
        <tool_call>{"name": "a", "arguments": {}}</tool_call>
        <tool_call>{"name": "b", "arguments": {"x": [1, 2]}}</tool_call>
        """
        let parsed = try ToolCallMarkup.parse(text)
        #expect(parsed.content == "")
        #expect(parsed.toolCalls.map(\.name) == ["a", "b"])
        #expect(parsed.toolCalls.map(\.id) == ["call_1", "call_2"])
        #expect(parsed.toolCalls[1].arguments == ["x": [1, 2]])
    }

    @Test func readsArgumentsGivenAsAJSONString() throws {
        let text = #"<tool_call>{"name": "search", "arguments": "{\"query\": \"swift\"}"}</tool_call>"#
        let parsed = try ToolCallMarkup.parse(text)
        #expect(parsed.toolCalls.first?.arguments == ["query": "swift"])
    }

    @Test func missingArgumentsMeanAnEmptyObject() throws {
        let parsed = try ToolCallMarkup.parse(#"<tool_call>{"name": "now"}</tool_call>"#)
        #expect(parsed.toolCalls.first?.arguments == .object([:]))
    }

    @Test func keepsAnIDTheBlockCarries() throws {
        let parsed = try ToolCallMarkup.parse(#"<tool_call>{"id": "abc", "name": "now", "arguments": {}}</tool_call>"#)
        #expect(parsed.toolCalls.first?.id == "abc")
    }

    @Test func acceptsALastBlockWithoutClosingTag() throws {
        let parsed = try ToolCallMarkup.parse("Sure.\n<tool_call>\n{\"name\": \"now\", \"arguments\": {}}\n")
        #expect(parsed.content == "Sure.")
        #expect(parsed.toolCalls.map(\.name) == ["now"])
    }

    @Test func acceptsAMarkdownFenceInsideTheBlock() throws {
        let parsed = try ToolCallMarkup.parse("<tool_call>\n```json\n{\"name\": \"now\", \"arguments\": {}}\n```\n</tool_call>")
        #expect(parsed.toolCalls.map(\.name) == ["now"])
    }

    @Test func malformedJSONIsAnInvalidToolCallNamingTheBlock() {
        let error = #expect(throws: NexusError.self) {
            try ToolCallMarkup.parse(#"ok <tool_call>{"name": "a", "arguments": {"x": }</tool_call>"#)
        }
        #expect(error?.code == .invalidToolCall)
        #expect(error?.message.contains("tool call 1 is not valid JSON") == true)
    }

    @Test func aBlockWithoutNameIsRejected() {
        let error = #expect(throws: NexusError.self) {
            try ToolCallMarkup.parse(#"<tool_call>{"arguments": {}}</tool_call>"#)
        }
        #expect(error?.code == .invalidToolCall)
        #expect(error?.message.contains("\"name\"") == true)
    }

    @Test func argumentsThatAreNotAnObjectAreRejected() {
        for body in [#"{"name": "a", "arguments": [1]}"#, #"{"name": "a", "arguments": "[1]"}"#, #"{"name": "a", "arguments": "{oops"}"#] {
            let error = #expect(throws: NexusError.self) {
                try ToolCallMarkup.parse("<tool_call>\(body)</tool_call>")
            }
            #expect(error?.code == .invalidToolCall)
            #expect(error?.message.contains("'a'") == true || error?.message.contains("(a)") == true)
            #expect(error?.message.contains("arguments") == true)
        }
    }

    @Test func renderedMarkupParsesBackToTheSameCalls() throws {
        let calls = [
            ToolCall(id: "call_1", name: "write_file", arguments: ["path": "a/b.txt", "text": "line\n\"quoted\"", "n": 3]),
            ToolCall(id: "call_2", name: "list", arguments: [:]),
        ]
        let markup = ToolCallMarkup.render(calls)
        #expect(markup.hasPrefix("<tool_call>\n{\"name\": \"write_file\", \"arguments\": {"))
        #expect(try ToolCallMarkup.parse(markup).toolCalls == calls)
        #expect(ToolCallMarkup.render([]) == "")
    }
}
